package dev.gatun.core.security;

import dev.gatun.cgroups.InvalidResourceException;
import dev.gatun.cgroups.Resources.DeviceRule;
import java.util.List;

/**
 * The cgroup v2 device controller for OCI {@code linux.resources.devices}: a
 * {@code BPF_PROG_TYPE_CGROUP_DEVICE} program, compiled here from the rules, that the kernel runs
 * on every {@code open}/{@code mknod} of a device node by a process in the cgroup. It reads
 * {@code struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor;}} (access_type is
 * {@code access << 16 | type}) and returns 1 to allow, 0 to refuse with EPERM.
 *
 * <p><b>Semantics</b>, as runc and crun apply the rules (and as the v1 {@code devices.allow} /
 * {@code devices.deny} files do for one access at a time): the rules are read in order and the
 * <em>last</em> rule that matches wins; a rule matches when its type is {@code a} or the device's,
 * its major and minor are absent (any) or the device's, and its access shares a bit with the
 * requested one. Each requested bit (an {@code open(O_RDWR)} asks for read and write at once) is
 * decided by its own last match, and the request is allowed only when every bit is. A bit no rule
 * matches is allowed: a v1 cgroup starts from its parent's "a *:* rwm", and the rule lists of
 * runc, Docker and {@code Container.builder()} all begin with "deny a *:* rwm" anyway.
 *
 * <p><b>Shape</b>, as runc's devicefilter: the rules are emitted last first, each one returning
 * as soon as it decides, so the first match found is the last in the list. Registers: r2 the
 * device type, r3 the requested access bits not decided yet, r4 the major, r5 the minor, r0
 * scratch and the verdict. An allow rule clears the bits it decides and returns 1 once none is
 * left; a deny rule returns 0 if it decides any requested bit. An "a *:* rwm" rule decides
 * everything, so the program ends there (the verifier refuses unreachable instructions).
 *
 * <p>Immutable and thread-safe. Loading and attaching is {@link DeviceCgroup}'s.
 *
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html#device-controller">cgroup v2, Device controller</a>
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#allowed-device-list">config-linux.md, allowed device list</a>
 */
public final class DeviceFilter {

    /** {@code BPF_DEVCG_DEV_BLOCK}, {@code BPF_DEVCG_DEV_CHAR}: the type in access_type's low 16 bits. */
    static final int DEV_BLOCK = 1;
    static final int DEV_CHAR = 2;
    /** {@code BPF_DEVCG_ACC_MKNOD}, {@code _READ}, {@code _WRITE}: the access in access_type's high 16 bits. */
    static final int ACC_MKNOD = 1;
    static final int ACC_READ = 2;
    static final int ACC_WRITE = 4;
    private static final int ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;

    private static final int R0 = 0;
    private static final int CTX = 1;
    private static final int TYPE = 2;
    private static final int ACCESS = 3;
    private static final int MAJOR = 4;
    private static final int MINOR = 5;

    private final byte[] code;
    private final int rules;

    private DeviceFilter(byte[] code, int rules) {
        this.code = code;
        this.rules = rules;
    }

    /**
     * The program for {@code rules} (OCI order).
     *
     * @throws InvalidResourceException for a rule the kernel cannot express (a type other than
     *     a, b or c; access not a subset of "rwm"; a major or minor outside 0..2^31-1), naming
     *     {@code devices[i]}
     */
    public static DeviceFilter compile(List<DeviceRule> rules) {
        EbpfAssembler a = new EbpfAssembler();
        a.loadWord(TYPE, CTX, 0);
        a.and(TYPE, 0xFFFF);
        a.loadWord(ACCESS, CTX, 0);
        a.shiftRight(ACCESS, 16);
        a.loadWord(MAJOR, CTX, 4);
        a.loadWord(MINOR, CTX, 8);
        for (int i = rules.size() - 1; i >= 0; i--) {
            if (rule(a, i, rules.get(i))) {
                // "a *:* rwm" decides every request: what would follow is unreachable, and the
                // verifier refuses unreachable instructions
                return new DeviceFilter(a.assemble(), rules.size());
            }
        }
        // no rule decided the remaining bits
        a.returnValue(1);
        return new DeviceFilter(a.assemble(), rules.size());
    }

    /** Emits one rule; true when it matches every request (nothing after it can be reached). */
    private static boolean rule(EbpfAssembler a, int index, DeviceRule rule) {
        String at = "devices[" + index + "]";
        int type = type(at, rule.type());
        int access = access(at, rule.access());
        EbpfAssembler.Label next = a.label();
        if (type != 0) {
            a.jumpIfNotEqual(TYPE, type, next);
        }
        if (rule.major() != null) {
            a.jumpIfNotEqual(MAJOR, number(at + ".major", rule.major()), next);
        }
        if (rule.minor() != null) {
            a.jumpIfNotEqual(MINOR, number(at + ".minor", rule.minor()), next);
        }
        if (access != ACC_ALL) {
            // the rule decides only the requested bits it names
            a.moveRegister(R0, ACCESS);
            a.and(R0, access);
            a.jumpIfEqual(R0, 0, next);
        }
        if (!rule.allow()) {
            a.returnValue(0);
        } else if (access == ACC_ALL) {
            a.returnValue(1);
        } else {
            a.and(ACCESS, ~access);
            a.jumpIfNotEqual(ACCESS, 0, next);
            a.returnValue(1);
        }
        boolean matchesAll = type == 0 && rule.major() == null && rule.minor() == null && access == ACC_ALL;
        if (!matchesAll) {
            a.place(next);
        }
        return matchesAll;
    }

    private static int type(String at, String type) {
        return switch (type == null ? "a" : type) {
            case "a" -> 0;
            case "b" -> DEV_BLOCK;
            case "c" -> DEV_CHAR;
            default -> throw new InvalidResourceException(at + ".type", type, "a, b or c");
        };
    }

    private static int access(String at, String access) {
        if (access == null) {
            return ACC_ALL;
        }
        int bits = 0;
        for (char c : access.toCharArray()) {
            bits |= switch (c) {
                case 'r' -> ACC_READ;
                case 'w' -> ACC_WRITE;
                case 'm' -> ACC_MKNOD;
                default -> throw new InvalidResourceException(at + ".access", access, "some of r, w and m");
            };
        }
        if (bits == 0) {
            throw new InvalidResourceException(at + ".access", access, "some of r, w and m");
        }
        return bits;
    }

    private static int number(String at, long value) {
        // the compare is 64-bit against a sign-extended imm: keep the imm non-negative
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new InvalidResourceException(at, Long.toString(value), "0 to " + Integer.MAX_VALUE);
        }
        return (int) value;
    }

    /** The instructions, {@code struct bpf_insn[]} in the host's byte order. */
    public byte[] code() {
        return code.clone();
    }

    /** The number of instructions. */
    public int instructions() {
        return code.length / EbpfAssembler.INSN_SIZE;
    }

    /** The number of rules compiled in. */
    public int rules() {
        return rules;
    }

    @Override
    public String toString() {
        return "device filter: " + rules + " rules, " + instructions() + " instructions";
    }
}
