package dev.gatun.core.security;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.SyscallTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compiles a {@link SeccompPolicy} to a classic-BPF seccomp filter, equal in effect to what
 * libseccomp generates for the same rules (see {@link SeccompPolicy} for the evaluation order).
 *
 * <p>The program reads {@code struct seccomp_data} ({@code int nr; u32 arch; u64
 * instruction_pointer; u64 args[6]}):
 *
 * <ol>
 *   <li>{@code arch} is compared with each listed architecture's {@code AUDIT_ARCH_*}; any other
 *       gets the bad-architecture action;
 *   <li>x86_64 and x32 share {@code AUDIT_ARCH_X86_64}: numbers with bit 30
 *       ({@code __X32_SYSCALL_BIT}) are x32 calls. The half of an architecture the policy does
 *       not list gets the bad-architecture action, as libseccomp does;
 *   <li>the syscall number is found by a binary search over ranges of numbers with the same
 *       outcome (contiguous allowed calls share one range), so a profile of ~400 calls costs
 *       some hundred instructions and ~9 comparisons per call, not a chain of 400;
 *   <li>a call with argument conditions runs them in its leaf: on x86_64 and aarch64 each 64-bit
 *       comparison on two 32-bit halves ({@code args[i]} is little-endian: low word first); on
 *       the 32-bit ABIs (x86, arm, and x32, as libseccomp sizes it) the low word only; unsigned.
 * </ol>
 *
 * <p>Names an architecture lacks are skipped for it (libseccomp's behaviour); a name that is no
 * system call on any architecture libseccomp knows is an error naming it. Rules are keyed by call
 * number, so aliases (two names, one number) are one call. On i386 a rule on a socket or SysV IPC
 * call also covers its {@code socketcall(2)} / {@code ipc(2)} form, as libseccomp does
 * ({@link I386Multiplexers}). Stateless and thread-safe.
 *
 * @see <a href="https://www.kernel.org/doc/html/latest/userspace-api/seccomp_filter.html">Seccomp BPF</a>
 */
public final class SeccompCompiler {

    /** {@code __X32_SYSCALL_BIT}: x32 system calls are numbered from here. */
    public static final long X32_SYSCALL_BIT = 0x4000_0000L;

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;

    private static final Set<String> KNOWN_NAMES = loadKnownNames();

    private SeccompCompiler() {}

    /**
     * Compiles {@code policy}.
     *
     * @throws IllegalArgumentException when a rule names no known system call, uses
     *     {@code SCMP_ACT_NOTIFY}, or the program would exceed
     *     {@link SeccompProgram#MAX_INSTRUCTIONS}
     */
    public static SeccompProgram compile(SeccompPolicy policy) {
        requireNoNotify(policy);
        Map<Long, List<Arch>> groups = new LinkedHashMap<>();
        for (Arch arch : policy.architectures()) {
            groups.computeIfAbsent(arch.auditArch(), a -> new ArrayList<>()).add(arch);
        }
        BpfAssembler asm = new BpfAssembler();
        asm.load(OFFSET_ARCH);
        List<BpfAssembler.Label> blocks = new ArrayList<>();
        for (long audit : groups.keySet()) {
            BpfAssembler.Label block = asm.label();
            BpfAssembler.Label next = asm.label();
            asm.jump(BpfAssembler.JMP_JEQ_K, (int) audit, block, next);
            asm.place(next);
            blocks.add(block);
        }
        asm.ret(policy.badArchAction().ret());
        int b = 0;
        for (List<Arch> group : groups.values()) {
            asm.place(blocks.get(b++));
            asm.load(OFFSET_NR);
            List<Segment> segments = segments(policy, group);
            tree(asm, segments, 0, segments.size() - 1);
        }
        int flags = 0;
        for (SeccompPolicy.Flag f : policy.flags()) {
            // meaningful only with a listener, which NOTIFY would need; libseccomp drops it too
            if (f != SeccompPolicy.Flag.WAIT_KILLABLE_RECV) {
                flags |= f.value();
            }
        }
        return new SeccompProgram(asm.assemble(), flags);
    }

    /** What one call on one architecture returns: conditional rules in order, then the fallback. */
    private record Call(String name, Arch arch, List<SeccompRule> conditional, SeccompAction fallback) {}

    /** A range of numbers from {@code start} up to the next segment's start; call null: always ret. */
    private record Segment(long start, int ret, Call call) {}

    private static List<Segment> segments(SeccompPolicy policy, List<Arch> group) {
        TreeMap<Long, Call> calls = new TreeMap<>();
        for (Arch arch : group) {
            calls.putAll(calls(policy, arch));
        }
        // the ranges of the number space and what a number no rule names there gets
        TreeMap<Long, Integer> gaps = new TreeMap<>();
        int def = policy.defaultAction().ret();
        int bad = policy.badArchAction().ret();
        if (group.contains(Arch.X86_64) || group.contains(Arch.X32)) {
            gaps.put(0L, group.contains(Arch.X86_64) ? def : bad);
            gaps.put(X32_SYSCALL_BIT, group.contains(Arch.X32) ? def : bad);
        } else {
            gaps.put(0L, def);
        }
        // the outcome is constant between consecutive boundaries: region starts, each call, the number after it
        TreeSet<Long> boundaries = new TreeSet<>();
        boundaries.addAll(gaps.keySet());
        for (long nr : calls.keySet()) {
            boundaries.add(nr);
            if (nr + 1 <= 0xFFFF_FFFFL) {
                boundaries.add(nr + 1);
            }
        }
        List<Segment> merged = new ArrayList<>();
        for (long start : boundaries) {
            Call call = calls.get(start);
            Segment s;
            if (call == null) {
                s = new Segment(start, gaps.floorEntry(start).getValue(), null);
            } else if (call.conditional().isEmpty()) {
                s = new Segment(start, call.fallback().ret(), null);
            } else {
                s = new Segment(start, 0, call);
            }
            Segment last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.call() == null && s.call() == null && last.ret() == s.ret()) {
                continue;
            }
            merged.add(s);
        }
        return merged;
    }

    /** The calls {@code arch} has among the policy's rules, keyed by the number BPF sees. */
    private static Map<Long, Call> calls(SeccompPolicy policy, Arch arch) {
        SyscallTable table = SyscallTable.of(arch);
        long offset = arch == Arch.X32 ? X32_SYSCALL_BIT : 0;
        // keyed by number, not name, as libseccomp's database is: aliases are one call
        Map<Long, List<SeccompRule>> conditional = new TreeMap<>();
        Map<Long, SeccompAction> unconditional = new TreeMap<>();
        Map<Long, String> names = new TreeMap<>();
        for (SeccompRule rule : policy.rules()) {
            if (rule.action().equals(policy.defaultAction())) {
                continue; // libseccomp refuses a rule that repeats the default; runc skips it
            }
            for (String name : rule.names()) {
                if (!KNOWN_NAMES.contains(name)) {
                    throw new IllegalArgumentException("seccomp rule names \"" + name
                            + "\", which is no system call on any architecture libseccomp knows");
                }
                for (SeccompRule expanded : I386Multiplexers.expand(arch, name, rule)) {
                    SeccompRule r = asLibseccompSeesIt(expanded, isWide(arch));
                    String callName = r.names().getFirst();
                    if (table.find(callName).isEmpty()) {
                        continue;
                    }
                    long nr = table.number(callName) + offset;
                    names.putIfAbsent(nr, callName);
                    if (r.conditions().isEmpty()) {
                        // libseccomp (db.c): the first unconditional rule of a call is final
                        unconditional.putIfAbsent(nr, r.action());
                    } else {
                        conditional.computeIfAbsent(nr, n -> new ArrayList<>()).add(r);
                    }
                }
            }
        }
        Map<Long, Call> calls = new TreeMap<>();
        for (Map.Entry<Long, String> e : names.entrySet()) {
            long nr = e.getKey();
            SeccompAction fallback = unconditional.getOrDefault(nr, policy.defaultAction());
            // an unconditional rule replaces the call's conditional ones, before or after it (libseccomp db.c)
            List<SeccompRule> rules = unconditional.containsKey(nr)
                    ? new ArrayList<>()
                    : new ArrayList<>(conditional.getOrDefault(nr, List.of()));
            // a trailing conditional rule with the fallback's action changes nothing
            while (!rules.isEmpty() && rules.getLast().action().equals(fallback)) {
                rules.removeLast();
            }
            calls.put(nr, new Call(e.getValue(), arch, rules, fallback));
        }
        return calls;
    }

    /**
     * {@code rule} with its conditions as libseccomp compares them on an architecture of that
     * width: a MASKED_EQ compares {@code (arg & mask) == (value & mask)}, and a half whose mask is
     * zero is no comparison at all; a rule left without comparisons is unconditional.
     */
    private static SeccompRule asLibseccompSeesIt(SeccompRule rule, boolean wide) {
        List<ArgCondition> kept = new ArrayList<>();
        for (ArgCondition c : rule.conditions()) {
            if (c.op() != ArgCondition.Op.MASKED_EQ) {
                kept.add(c);
                continue;
            }
            long mask = wide ? c.value() : c.value() & 0xFFFF_FFFFL;
            if (mask != 0) {
                kept.add(ArgCondition.maskedEq(c.index(), c.value(), c.valueTwo() & c.value()));
            }
        }
        return kept.size() == rule.conditions().size() && kept.equals(rule.conditions())
                ? rule
                : new SeccompRule(rule.names(), rule.action(), kept);
    }

    /** Whether libseccomp compares 64-bit arguments on {@code arch} (not on x86, arm, x32). */
    private static boolean isWide(Arch arch) {
        return arch == Arch.X86_64 || arch == Arch.AARCH64;
    }

    private static void tree(BpfAssembler asm, List<Segment> segments, int from, int to) {
        if (from == to) {
            leaf(asm, segments.get(from));
            return;
        }
        int mid = (from + to + 1) >>> 1;
        BpfAssembler.Label left = asm.label();
        BpfAssembler.Label right = asm.label();
        asm.jump(BpfAssembler.JMP_JGE_K, (int) segments.get(mid).start(), right, left);
        asm.place(left);
        tree(asm, segments, from, mid - 1);
        asm.place(right);
        tree(asm, segments, mid, to);
    }

    private static void leaf(BpfAssembler asm, Segment segment) {
        Call call = segment.call();
        if (call == null) {
            asm.ret(segment.ret());
            return;
        }
        // libseccomp treats x32 as a 32-bit ABI too and compares only the low word there
        boolean wide = isWide(call.arch());
        for (SeccompRule rule : call.conditional()) {
            BpfAssembler.Label nextRule = asm.label();
            for (ArgCondition c : rule.conditions()) {
                BpfAssembler.Label holds = asm.label();
                condition(asm, c, wide, holds, nextRule);
                asm.place(holds);
            }
            asm.ret(rule.action().ret());
            asm.place(nextRule);
        }
        asm.ret(call.fallback().ret());
    }

    /** Jumps to {@code pass} when {@code c} holds, to {@code fail} when not; A is clobbered. */
    private static void condition(BpfAssembler asm, ArgCondition c, boolean wide, BpfAssembler.Label pass,
            BpfAssembler.Label fail) {
        int lo = OFFSET_ARGS + 8 * c.index(); // args[] is little-endian on every architecture Gatun knows
        switch (c.op()) {
            case EQ -> equal(asm, lo, wide, -1L, c.value(), pass, fail);
            case NE -> equal(asm, lo, wide, -1L, c.value(), fail, pass);
            case MASKED_EQ -> equal(asm, lo, wide, c.value(), c.valueTwo(), pass, fail);
            case GT -> greater(asm, lo, wide, c.value(), true, pass, fail);
            case LE -> greater(asm, lo, wide, c.value(), true, fail, pass);
            case GE -> greater(asm, lo, wide, c.value(), false, pass, fail);
            case LT -> greater(asm, lo, wide, c.value(), false, fail, pass);
        }
    }

    /** {@code (arg & mask) == value}, the high word first on 64-bit architectures. */
    private static void equal(BpfAssembler asm, int lo, boolean wide, long mask, long value, BpfAssembler.Label pass,
            BpfAssembler.Label fail) {
        // a half whose mask is zero always holds: libseccomp emits nothing for it, nor do we
        boolean checkHigh = wide && (int) (mask >>> 32) != 0;
        boolean checkLow = (int) mask != 0;
        if (checkHigh) {
            BpfAssembler.Label next = asm.label();
            asm.load(lo + 4);
            if ((int) (mask >>> 32) != -1) {
                asm.and((int) (mask >>> 32));
            }
            asm.jump(BpfAssembler.JMP_JEQ_K, (int) (value >>> 32), checkLow ? next : pass, fail);
            asm.place(next);
        }
        if (checkLow) {
            asm.load(lo);
            if ((int) mask != -1) {
                asm.and((int) mask);
            }
            asm.jump(BpfAssembler.JMP_JEQ_K, (int) value, pass, fail);
        } else if (!checkHigh) {
            asm.jumpAlways(pass); // unreachable: such conditions are dropped before; kept total
        }
    }

    /** {@code arg > value} (strict) or {@code arg >= value}, unsigned. */
    private static void greater(BpfAssembler asm, int lo, boolean wide, long value, boolean strict,
            BpfAssembler.Label pass, BpfAssembler.Label fail) {
        if (wide) {
            BpfAssembler.Label notAbove = asm.label();
            BpfAssembler.Label lowWord = asm.label();
            asm.load(lo + 4);
            asm.jump(BpfAssembler.JMP_JGT_K, (int) (value >>> 32), pass, notAbove);
            asm.place(notAbove);
            asm.jump(BpfAssembler.JMP_JEQ_K, (int) (value >>> 32), lowWord, fail);
            asm.place(lowWord);
        }
        asm.load(lo);
        asm.jump(strict ? BpfAssembler.JMP_JGT_K : BpfAssembler.JMP_JGE_K, (int) value, pass, fail);
    }

    private static void requireNoNotify(SeccompPolicy policy) {
        String why = "SCMP_ACT_NOTIFY needs a seccomp listener file descriptor, which Gatun does not support yet";
        if (policy.defaultAction().kind() == SeccompAction.Kind.NOTIFY
                || policy.badArchAction().kind() == SeccompAction.Kind.NOTIFY) {
            throw new IllegalArgumentException(why + " (defaultAction)");
        }
        for (SeccompRule rule : policy.rules()) {
            if (rule.action().kind() == SeccompAction.Kind.NOTIFY) {
                throw new IllegalArgumentException(why + " (rule for " + rule.names() + ")");
            }
        }
    }

    /** Every name in libseccomp's table, on any architecture (the first column of syscalls.tsv). */
    private static Set<String> loadKnownNames() {
        Set<String> names = new HashSet<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream("syscalls.tsv")) {
            if (in == null) {
                throw new IllegalStateException("syscalls.tsv missing from dev.gatun.core.linux");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    names.add(line.substring(0, line.indexOf('\t')));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(names);
    }
}
