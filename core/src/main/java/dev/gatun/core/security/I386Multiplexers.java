package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * i386's multiplexed system calls: before Linux 4.3 the socket calls were reachable only through
 * {@code socketcall(call, args)}, and the SysV IPC calls still are through {@code ipc(call, ...)}.
 * A rule on {@code socket} must therefore also hold for {@code socketcall(SYS_SOCKET, ...)}, or a
 * 32-bit process walks around it. libseccomp ({@code arch-x86.c}) adds the rule twice: to the
 * multiplexer with its first argument set to {@code == call} (replacing any condition the rule
 * had on that argument, and keeping the others, compared with the multiplexer's arguments as
 * libseccomp does), and to the direct call where i386 has one. Gatun does the same, so the
 * filters agree. Stateless.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/socketcall.2.html">socketcall(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/ipc.2.html">ipc(2)</a>
 */
final class I386Multiplexers {

    /** {@code SYS_*} of {@code <linux/net.h>}: the first argument of socketcall(2). */
    private static final Map<String, Integer> SOCKETCALL = Map.ofEntries(
            Map.entry("socket", 1), Map.entry("bind", 2), Map.entry("connect", 3), Map.entry("listen", 4),
            Map.entry("accept", 5), Map.entry("getsockname", 6), Map.entry("getpeername", 7),
            Map.entry("socketpair", 8), Map.entry("send", 9), Map.entry("recv", 10), Map.entry("sendto", 11),
            Map.entry("recvfrom", 12), Map.entry("shutdown", 13), Map.entry("setsockopt", 14),
            Map.entry("getsockopt", 15), Map.entry("sendmsg", 16), Map.entry("recvmsg", 17),
            Map.entry("accept4", 18));

    /** The call numbers of {@code <linux/ipc.h>}: the first argument of ipc(2). */
    private static final Map<String, Integer> IPC = Map.ofEntries(
            Map.entry("semop", 1), Map.entry("semget", 2), Map.entry("semctl", 3), Map.entry("semtimedop", 4),
            Map.entry("msgsnd", 11), Map.entry("msgrcv", 12), Map.entry("msgget", 13), Map.entry("msgctl", 14),
            Map.entry("shmat", 21), Map.entry("shmdt", 22), Map.entry("shmget", 23), Map.entry("shmctl", 24));

    private I386Multiplexers() {}

    /**
     * The rules {@code rule} makes for {@code name} on {@code arch}, each naming one call: the
     * multiplexed form first (as libseccomp adds it first), then the direct one.
     */
    static List<SeccompRule> expand(Arch arch, String name, SeccompRule rule) {
        SeccompRule direct = new SeccompRule(List.of(name), rule.action(), rule.conditions());
        if (arch != Arch.X86) {
            return List.of(direct);
        }
        Integer socketcall = SOCKETCALL.get(name);
        Integer ipc = IPC.get(name);
        if (socketcall == null && ipc == null) {
            return List.of(direct);
        }
        List<ArgCondition> conditions = new ArrayList<>();
        conditions.add(ArgCondition.of(0, ArgCondition.Op.EQ, socketcall != null ? socketcall : ipc));
        for (ArgCondition c : rule.conditions()) {
            if (c.index() != 0) {
                conditions.add(c);
            }
        }
        SeccompRule multiplexed = new SeccompRule(List.of(socketcall != null ? "socketcall" : "ipc"), rule.action(),
                conditions);
        return List.of(multiplexed, direct);
    }
}
