package dev.gatun.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The meaning of a mount's {@code options}, parsed as runc and crun do: flags for mount(2),
 * propagation changes, recursive attributes for mount_setattr(2), idmapping, runtime
 * extensions, and everything else passed to the file system as its data string.
 *
 * <p>Options are applied in order, so a later option wins ({@code ro,rw} is read-write).
 * Recognised, as listed by {@code runc features}:
 * <ul>
 * <li>flags: {@code ro rw nosuid suid nodev dev noexec exec sync async dirsync remount mand nomand
 *     atime noatime diratime nodiratime relatime norelatime strictatime nostrictatime lazytime
 *     nolazytime iversion noiversion acl noacl silent loud symfollow nosymfollow bind rbind
 *     defaults};
 * <li>propagation: {@code private shared slave unbindable} and their recursive forms
 *     {@code rprivate rshared rslave runbindable}, in order, each a separate mount(2) call;
 * <li>recursive attributes (mount_setattr with {@code AT_RECURSIVE}): {@code rro rrw rnosuid rsuid
 *     rnodev rdev rnoexec rexec rnodiratime rdiratime rrelatime rnorelatime rnoatime ratime
 *     rstrictatime rnostrictatime rnosymfollow rsymfollow};
 * <li>{@code idmap} and {@code ridmap} (recursive), for mounts with ID mappings;
 * <li>the extension {@code tmpcopyup}.
 * </ul>
 * Anything else ({@code mode=755}, {@code size=64k}, {@code newinstance}) is file-system data,
 * joined with commas in the order given. Empty options are ignored. Parsing never fails: whether
 * the kernel accepts the data is the kernel's call.
 *
 * <p>This type does not decide how to mount (bind then remount, the order of calls): that is the
 * caller's plan. Immutable and thread-safe.
 *
 * @param flags the {@code MS_*} flags for mount(2), without propagation flags
 * @param clearedFlags the {@code MS_*} flags an option explicitly cleared ({@code rw} clears
 *     {@code MS_RDONLY}): a bind remount must not keep them from the source
 * @param propagation the propagation changes in order, each {@code MS_PRIVATE}, {@code MS_SHARED},
 *     {@code MS_SLAVE} or {@code MS_UNBINDABLE}, with {@code MS_REC} for the recursive forms
 * @param recursiveSet the {@code MOUNT_ATTR_*} bits to set recursively (mount_setattr attr_set)
 * @param recursiveClear the {@code MOUNT_ATTR_*} bits to clear recursively (attr_clr)
 * @param idmap whether the mount is idmapped ({@code idmap} or {@code ridmap})
 * @param recursiveIdmap whether the idmapping applies to submounts too ({@code ridmap})
 * @param extensions runtime extensions asked for, such as {@code tmpcopyup}
 * @param data the file-system data, comma-separated; empty when there is none
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#linux-mount-options">config.md Linux mount options</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/mount.2.html">mount(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/mount_setattr.2.html">mount_setattr(2)</a>
 */
public record MountOptions(long flags, long clearedFlags, List<Long> propagation, long recursiveSet,
        long recursiveClear, boolean idmap, boolean recursiveIdmap, Set<String> extensions, String data) {

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOSYMFOLLOW = 256;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_MOVE = 8192;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_POSIXACL = 1 << 16;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_I_VERSION = 1 << 23;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;

    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_NOEXEC = 0x8;
    /** The mask of the three atime modes below; setting one clears the others. */
    public static final long MOUNT_ATTR__ATIME = 0x70;
    public static final long MOUNT_ATTR_RELATIME = 0x0;
    public static final long MOUNT_ATTR_NOATIME = 0x10;
    public static final long MOUNT_ATTR_STRICTATIME = 0x20;
    public static final long MOUNT_ATTR_NODIRATIME = 0x80;
    public static final long MOUNT_ATTR_IDMAP = 0x100000;
    public static final long MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    /** The runtime extensions this parser recognises. */
    public static final Set<String> KNOWN_EXTENSIONS = Set.of("tmpcopyup");

    /** An option that sets (clear false) or clears (clear true) a flag. */
    private record Flag(boolean clear, long flag) {}

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("acl", new Flag(false, MS_POSIXACL)),
            Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
            Map.entry("atime", new Flag(true, MS_NOATIME)),
            Map.entry("bind", new Flag(false, MS_BIND)),
            Map.entry("defaults", new Flag(false, 0)),
            Map.entry("dev", new Flag(true, MS_NODEV)),
            Map.entry("diratime", new Flag(true, MS_NODIRATIME)),
            Map.entry("dirsync", new Flag(false, MS_DIRSYNC)),
            Map.entry("exec", new Flag(true, MS_NOEXEC)),
            Map.entry("iversion", new Flag(false, MS_I_VERSION)),
            Map.entry("lazytime", new Flag(false, MS_LAZYTIME)),
            Map.entry("loud", new Flag(true, MS_SILENT)),
            Map.entry("mand", new Flag(false, MS_MANDLOCK)),
            Map.entry("noacl", new Flag(true, MS_POSIXACL)),
            Map.entry("noatime", new Flag(false, MS_NOATIME)),
            Map.entry("nodev", new Flag(false, MS_NODEV)),
            Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
            Map.entry("noexec", new Flag(false, MS_NOEXEC)),
            Map.entry("noiversion", new Flag(true, MS_I_VERSION)),
            Map.entry("nolazytime", new Flag(true, MS_LAZYTIME)),
            Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
            Map.entry("norelatime", new Flag(true, MS_RELATIME)),
            Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
            Map.entry("nosuid", new Flag(false, MS_NOSUID)),
            Map.entry("nosymfollow", new Flag(false, MS_NOSYMFOLLOW)),
            Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)),
            Map.entry("relatime", new Flag(false, MS_RELATIME)),
            Map.entry("remount", new Flag(false, MS_REMOUNT)),
            Map.entry("ro", new Flag(false, MS_RDONLY)),
            Map.entry("rw", new Flag(true, MS_RDONLY)),
            Map.entry("silent", new Flag(false, MS_SILENT)),
            Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
            Map.entry("suid", new Flag(true, MS_NOSUID)),
            Map.entry("symfollow", new Flag(true, MS_NOSYMFOLLOW)),
            Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "shared", MS_SHARED, "slave", MS_SLAVE, "unbindable", MS_UNBINDABLE,
            "rprivate", MS_PRIVATE | MS_REC, "rshared", MS_SHARED | MS_REC, "rslave", MS_SLAVE | MS_REC,
            "runbindable", MS_UNBINDABLE | MS_REC);

    private static final Map<String, Flag> RECURSIVE = Map.ofEntries(
            Map.entry("rro", new Flag(false, MOUNT_ATTR_RDONLY)),
            Map.entry("rrw", new Flag(true, MOUNT_ATTR_RDONLY)),
            Map.entry("rnosuid", new Flag(false, MOUNT_ATTR_NOSUID)),
            Map.entry("rsuid", new Flag(true, MOUNT_ATTR_NOSUID)),
            Map.entry("rnodev", new Flag(false, MOUNT_ATTR_NODEV)),
            Map.entry("rdev", new Flag(true, MOUNT_ATTR_NODEV)),
            Map.entry("rnoexec", new Flag(false, MOUNT_ATTR_NOEXEC)),
            Map.entry("rexec", new Flag(true, MOUNT_ATTR_NOEXEC)),
            Map.entry("rnodiratime", new Flag(false, MOUNT_ATTR_NODIRATIME)),
            Map.entry("rdiratime", new Flag(true, MOUNT_ATTR_NODIRATIME)),
            Map.entry("rnosymfollow", new Flag(false, MOUNT_ATTR_NOSYMFOLLOW)),
            Map.entry("rsymfollow", new Flag(true, MOUNT_ATTR_NOSYMFOLLOW)),
            Map.entry("ratime", new Flag(true, MOUNT_ATTR_NOATIME)),
            Map.entry("rnostrictatime", new Flag(true, MOUNT_ATTR_STRICTATIME)),
            // RELATIME is 0: clearing it clears nothing, as in the kernel's own API
            Map.entry("rnorelatime", new Flag(true, MOUNT_ATTR_RELATIME)));

    /** The atime modes: setting one replaces the whole MOUNT_ATTR__ATIME field. */
    private static final Map<String, Long> RECURSIVE_ATIME = Map.of(
            "rnoatime", MOUNT_ATTR_NOATIME, "rrelatime", MOUNT_ATTR_RELATIME, "rstrictatime", MOUNT_ATTR_STRICTATIME);

    /** An empty option list: no flags, no data. */
    public static final MountOptions NONE = parse(List.of());

    /** Copies the collections. */
    public MountOptions {
        propagation = List.copyOf(propagation);
        extensions = Collections.unmodifiableSet(new LinkedHashSet<>(extensions));
        data = data == null ? "" : data;
    }

    /** Parses {@code options} (null means none); see the class doc. Never throws for a non-null list. */
    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long cleared = 0;
        long recSet = 0;
        long recClear = 0;
        boolean idmap = false;
        boolean ridmap = false;
        List<Long> propagation = new ArrayList<>();
        Set<String> extensions = new LinkedHashSet<>();
        StringBuilder data = new StringBuilder();
        for (String option : options == null ? List.<String>of() : options) {
            if (option == null || option.isEmpty()) {
                continue;
            }
            Flag flag = FLAGS.get(option);
            Flag rec = RECURSIVE.get(option);
            Long atime = RECURSIVE_ATIME.get(option);
            Long prop = PROPAGATION.get(option);
            if (flag != null) {
                if (flag.clear()) {
                    flags &= ~flag.flag();
                    cleared |= flag.flag();
                } else {
                    flags |= flag.flag();
                    cleared &= ~flag.flag();
                }
            } else if (prop != null) {
                propagation.add(prop);
            } else if (rec != null) {
                if (rec.clear()) {
                    recSet &= ~rec.flag();
                    recClear |= rec.flag();
                } else {
                    recSet |= rec.flag();
                    recClear &= ~rec.flag();
                }
            } else if (atime != null) {
                recSet = (recSet & ~MOUNT_ATTR__ATIME) | atime;
                recClear |= MOUNT_ATTR__ATIME;
            } else if (option.equals("idmap")) {
                idmap = true;
            } else if (option.equals("ridmap")) {
                idmap = true;
                ridmap = true;
            } else if (KNOWN_EXTENSIONS.contains(option)) {
                extensions.add(option);
            } else {
                if (!data.isEmpty()) {
                    data.append(',');
                }
                data.append(option);
            }
        }
        return new MountOptions(flags, cleared, propagation, recSet, recClear, idmap, ridmap, extensions, data.toString());
    }

    /** Returns whether the options ask for a bind mount ({@code bind} or {@code rbind}). */
    public boolean isBind() {
        return (flags & MS_BIND) != 0;
    }

    /** Returns whether the options ask for a recursive bind mount ({@code rbind}). */
    public boolean isRecursiveBind() {
        return (flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC);
    }

    /** Returns whether the mount is read-only ({@code ro} and no later {@code rw}). */
    public boolean isReadOnly() {
        return (flags & MS_RDONLY) != 0;
    }

    /** Returns whether recursive attributes are asked for, which needs mount_setattr(2) (Linux 5.12). */
    public boolean hasRecursiveAttributes() {
        return recursiveSet != 0 || recursiveClear != 0;
    }

    /** Returns whether {@code option} is one this parser gives a meaning (not file-system data). */
    public static boolean isKnown(String option) {
        return FLAGS.containsKey(option) || PROPAGATION.containsKey(option) || RECURSIVE.containsKey(option)
                || RECURSIVE_ATIME.containsKey(option) || option.equals("idmap") || option.equals("ridmap")
                || KNOWN_EXTENSIONS.contains(option);
    }
}
