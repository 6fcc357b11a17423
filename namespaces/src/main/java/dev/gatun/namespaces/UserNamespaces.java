package dev.gatun.namespaces;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether this process may create a user namespace, and if not, exactly what is missing and how to
 * enable it — availability as API, after Netty's {@code Epoll.unavailabilityCause()}.
 *
 * <p>Reads three sysctls under {@code /proc/sys}, in this order:
 * <ol>
 *   <li>{@code user.max_user_namespaces}: 0 forbids user namespaces for everyone, root included;
 *   <li>{@code kernel.unprivileged_userns_clone} (Debian's and older Ubuntu kernels' patch): 0
 *       forbids them to processes without CAP_SYS_ADMIN;
 *   <li>{@code kernel.apparmor_restrict_unprivileged_userns} (Ubuntu 23.10 and later, 24.04 by
 *       default): 1 lets an unconfined unprivileged process create one but takes every capability
 *       in it away, so writing maps and mounting fail.
 * </ol>
 * A sysctl that does not exist imposes nothing. What it does <em>not</em> see: a seccomp filter
 * that refuses {@code clone}/{@code unshare} with {@code CLONE_NEWUSER} (e.g. inside a container
 * run with Docker's default profile), the nesting limit of 32, or a count already at the maximum —
 * those show up as errors of the spawn itself. Thread-safe; reads the files on every call.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/user_namespaces.7.html">user_namespaces(7)</a>
 * @see <a href="https://ubuntu.com/blog/ubuntu-23-10-restricted-unprivileged-user-namespaces">Ubuntu:
 *     restricted unprivileged user namespaces</a>
 */
public final class UserNamespaces {

    private UserNamespaces() {}

    /** Whether this process may create a user namespace, as far as the sysctls tell. */
    public static boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Why this process may not create a user namespace, with the fix; empty when it may. */
    public static Optional<String> unavailabilityCause() {
        return unavailabilityCause(Path.of("/proc/sys"), Caller.current());
    }

    /**
     * Fails when user namespaces are unavailable.
     *
     * @throws IllegalStateException with {@link #unavailabilityCause()} as the message
     */
    public static void ensureAvailable() {
        Optional<String> cause = unavailabilityCause();
        if (cause.isPresent()) {
            throw new IllegalStateException(cause.get());
        }
    }

    static Optional<String> unavailabilityCause(Path procSys, Caller caller) {
        Optional<String> max = read(procSys.resolve("user/max_user_namespaces"));
        if (max.isPresent() && max.get().equals("0")) {
            return Optional.of("user namespaces are disabled: user.max_user_namespaces is 0 (for every user, root "
                    + "included); enable them with `sysctl -w user.max_user_namespaces=15000` and persist it in "
                    + "/etc/sysctl.d/");
        }
        if (caller.capSysAdmin()) {
            // the two restrictions below apply only to processes without CAP_SYS_ADMIN
            return Optional.empty();
        }
        Optional<String> debian = read(procSys.resolve("kernel/unprivileged_userns_clone"));
        if (debian.isPresent() && debian.get().equals("0")) {
            return Optional.of("unprivileged user namespaces are disabled: kernel.unprivileged_userns_clone is 0 and "
                    + caller.name() + " (uid " + caller.uid() + ") lacks CAP_SYS_ADMIN; enable them with "
                    + "`sysctl -w kernel.unprivileged_userns_clone=1` (persist in /etc/sysctl.d/), or run as root");
        }
        Optional<String> apparmor = read(procSys.resolve("kernel/apparmor_restrict_unprivileged_userns"));
        if (apparmor.isPresent() && apparmor.get().equals("1")) {
            return Optional.of("AppArmor restricts unprivileged user namespaces: "
                    + "kernel.apparmor_restrict_unprivileged_userns is 1, so " + caller.name() + " (uid " + caller.uid()
                    + ") gets a user namespace without capabilities; allow it for this java binary with an AppArmor "
                    + "profile that grants `userns,` (e.g. /etc/apparmor.d/gatun-java: `abi <abi/4.0>, include "
                    + "<tunables/global> profile gatun-java /path/to/bin/java flags=(unconfined) { userns, }`, then "
                    + "`apparmor_parser -r /etc/apparmor.d/gatun-java`), or disable the restriction with "
                    + "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`");
        }
        return Optional.empty();
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file, e);
        }
    }
}
