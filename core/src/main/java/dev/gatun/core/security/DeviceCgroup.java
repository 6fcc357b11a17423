package dev.gatun.core.security;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.cgroups.Resources.DeviceRule;
import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a {@link DeviceFilter} in force on a cgroup v2 directory: {@code BPF_PROG_LOAD} as a
 * {@code BPF_PROG_TYPE_CGROUP_DEVICE} program, then {@code BPF_PROG_ATTACH} with
 * {@code BPF_CGROUP_DEVICE} and {@code BPF_F_ALLOW_MULTI} to the cgroup's directory fd. Multi,
 * because the kernel then also runs the programs of the ancestors (a container cannot escape the
 * rules of the cgroup it was placed under) and a later replace can name exactly this program.
 *
 * <p>The program fd is closed right after the attach: an attached program lives as long as the
 * attachment, which lives as long as the cgroup; removing the cgroup releases both. So nothing
 * needs to be kept open for the container's lifetime.
 *
 * <p>Attach before any process enters the cgroup (before the clone with
 * {@code CLONE_INTO_CGROUP}): a process inside it before the attach could open a device the rules
 * refuse, and keep the fd. Errors are {@link DeviceRulesException}s naming
 * {@code linux.resources.devices}: rules that cannot be enforced are never silently dropped.
 * Stateless and thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/bpf.2.html">bpf(2)</a>
 * @see <a href="https://docs.kernel.org/admin-guide/cgroup-v2.html#device-controller">cgroup v2, Device controller</a>
 */
public final class DeviceCgroup {

    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_ATTACH = 8;
    static final int BPF_PROG_GET_FD_BY_ID = 13;
    static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    static final int BPF_PROG_QUERY = 16;
    static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    static final int BPF_CGROUP_DEVICE = 6;
    static final int BPF_F_ALLOW_MULTI = 1 << 1;
    static final int BPF_F_REPLACE = 1 << 2;

    /** Shown by {@code bpftool prog}: [A-Za-z0-9_.], at most 15 characters. */
    private static final String PROGRAM_NAME = "gatun_devices";
    /**
     * Only GPL programs may call GPL-only helpers; this one calls no helper at all, and the
     * kernel looks at nothing else in the string.
     */
    private static final String LICENSE = "Apache-2.0";
    private static final int LOG_SIZE = 64 * 1024;
    /** Enough of {@code union bpf_attr} for every command used here; the kernel zero-fills the rest. */
    private static final int ATTR_SIZE = 128;

    private DeviceCgroup() {}

    /**
     * Compiles {@code rules}, loads the program and attaches it to {@code cgroupDir}.
     *
     * @return the kernel's id of the attached program ({@code bpftool prog show id N})
     * @throws DeviceRulesException when the kernel refuses the load or the attach
     */
    public static int attach(Path cgroupDir, List<DeviceRule> rules) throws IOException {
        DeviceFilter filter = DeviceFilter.compile(rules);
        int dirFd = openDirectory(cgroupDir);
        try {
            int progFd = load(cgroupDir, filter);
            try {
                attach(cgroupDir, dirFd, progFd, BPF_F_ALLOW_MULTI, -1);
                return programId(cgroupDir, progFd);
            } finally {
                LibC.close(progFd);
            }
        } finally {
            LibC.close(dirFd);
        }
    }

    /**
     * Puts the program for {@code rules} in the place of the one program attached to
     * {@code cgroupDir}, atomically ({@code BPF_F_REPLACE}): there is no moment with neither, or
     * with both, in force. With no program attached yet it is a plain {@link #attach}.
     *
     * @return the new program's id
     * @throws DeviceRulesException when the kernel refuses, or when more than one program is
     *     attached to this cgroup (Gatun attaches one; which one to replace would be a guess)
     */
    public static int replace(Path cgroupDir, List<DeviceRule> rules) throws IOException {
        List<Integer> ids = attached(cgroupDir);
        if (ids.isEmpty()) {
            return attach(cgroupDir, rules);
        }
        if (ids.size() > 1) {
            throw new DeviceRulesException(cgroupDir, "bpf", ids.size() + " device programs are attached "
                    + ids + ", expected the one Gatun attached");
        }
        DeviceFilter filter = DeviceFilter.compile(rules);
        int dirFd = openDirectory(cgroupDir);
        try {
            int oldFd = programFd(cgroupDir, ids.getFirst());
            try {
                int progFd = load(cgroupDir, filter);
                try {
                    attach(cgroupDir, dirFd, progFd, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, oldFd);
                    return programId(cgroupDir, progFd);
                } finally {
                    LibC.close(progFd);
                }
            } finally {
                LibC.close(oldFd);
            }
        } finally {
            LibC.close(dirFd);
        }
    }

    /** The ids of the device programs attached to {@code cgroupDir} itself (not its ancestors'). */
    public static List<Integer> attached(Path cgroupDir) throws IOException {
        int dirFd = openDirectory(cgroupDir);
        try (Arena arena = Arena.ofConfined()) {
            int capacity = 64;
            MemorySegment ids = arena.allocate(JAVA_INT, capacity);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, dirFd);              // target_fd
            attr.set(JAVA_INT, 4, BPF_CGROUP_DEVICE);  // attach_type
            attr.set(JAVA_LONG, 16, ids.address());    // prog_ids
            attr.set(JAVA_INT, 24, capacity);          // prog_cnt: in, the room; out, the count
            bpf(cgroupDir, BPF_PROG_QUERY, attr, "BPF_PROG_QUERY, {target_fd=" + dirFd + ", BPF_CGROUP_DEVICE}");
            int count = Math.min(attr.get(JAVA_INT, 24), capacity);
            List<Integer> result = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                result.add(ids.getAtIndex(JAVA_INT, i));
            }
            return result;
        } finally {
            LibC.close(dirFd);
        }
    }

    /**
     * {@code BPF_PROG_LOAD}; on refusal the load is repeated with the verifier's log, whose end
     * goes into the error (the reason is always in its last lines).
     */
    static int load(Path cgroupDir, DeviceFilter filter) throws IOException {
        return load(cgroupDir, filter.code());
    }

    /** {@link #load(Path, DeviceFilter)} of any instructions (tests give it what the verifier refuses). */
    static int load(Path cgroupDir, byte[] instructions) throws IOException {
        int count = instructions.length / EbpfAssembler.INSN_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(instructions.length, 8);
            code.copyFrom(MemorySegment.ofArray(instructions));
            MemorySegment license = arena.allocateFrom(LICENSE);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);  // prog_type
            attr.set(JAVA_INT, 4, count);                        // insn_cnt
            attr.set(JAVA_LONG, 8, code.address());              // insns
            attr.set(JAVA_LONG, 16, license.address());          // license
            MemorySegment.copy(PROGRAM_NAME.getBytes(StandardCharsets.US_ASCII), 0, attr, JAVA_BYTE, 48,
                    PROGRAM_NAME.length());                     // prog_name[16]
            attr.set(JAVA_INT, 68, BPF_CGROUP_DEVICE);           // expected_attach_type
            String rendered = "BPF_PROG_LOAD, {BPF_PROG_TYPE_CGROUP_DEVICE, " + count + " instructions, \"" + LICENSE + "\"}";
            try {
                return (int) LibC.bpf(BPF_PROG_LOAD, attr, rendered);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINVAL && e.errno() != Errno.EACCES) {
                    throw new DeviceRulesException(cgroupDir, e, "");
                }
                throw new DeviceRulesException(cgroupDir, e, "verifier: " + verifierLog(arena, attr, rendered));
            }
        }
    }

    private static String verifierLog(Arena arena, MemorySegment attr, String rendered) {
        MemorySegment log = arena.allocate(LOG_SIZE);
        attr.set(JAVA_INT, 24, 1);                 // log_level
        attr.set(JAVA_INT, 28, LOG_SIZE);          // log_size
        attr.set(JAVA_LONG, 32, log.address());    // log_buf
        try {
            int fd = (int) LibC.bpf(BPF_PROG_LOAD, attr, rendered);
            LibC.close(fd);
            return "(accepted the second time)";
        } catch (IOException e) {
            String text = log.getString(0).strip();
            return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
        }
    }

    private static void attach(Path cgroupDir, int dirFd, int progFd, int flags, int replaceFd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, dirFd);               // target_fd
            attr.set(JAVA_INT, 4, progFd);              // attach_bpf_fd
            attr.set(JAVA_INT, 8, BPF_CGROUP_DEVICE);   // attach_type
            attr.set(JAVA_INT, 12, flags);              // attach_flags
            if (replaceFd >= 0) {
                attr.set(JAVA_INT, 16, replaceFd);      // replace_bpf_fd
            }
            String how = (flags & BPF_F_REPLACE) != 0 ? "BPF_F_ALLOW_MULTI|BPF_F_REPLACE, replace_bpf_fd=" + replaceFd
                    : "BPF_F_ALLOW_MULTI";
            bpf(cgroupDir, BPF_PROG_ATTACH, attr, "BPF_PROG_ATTACH, {target_fd=" + dirFd + ", attach_bpf_fd=" + progFd
                    + ", BPF_CGROUP_DEVICE, " + how + "}");
        }
    }

    /** The program's id, from {@code struct bpf_prog_info} ({@code u32 type; u32 id; ...}). */
    private static int programId(Path cgroupDir, int progFd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(16, 8);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progFd);                  // bpf_fd
            attr.set(JAVA_INT, 4, (int) info.byteSize());   // info_len
            attr.set(JAVA_LONG, 8, info.address());         // info
            bpf(cgroupDir, BPF_OBJ_GET_INFO_BY_FD, attr, "BPF_OBJ_GET_INFO_BY_FD, {bpf_fd=" + progFd + "}");
            return info.get(JAVA_INT, 4);
        }
    }

    private static int programFd(Path cgroupDir, int id) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, id);  // prog_id
            return (int) bpf(cgroupDir, BPF_PROG_GET_FD_BY_ID, attr, "BPF_PROG_GET_FD_BY_ID, {prog_id=" + id + "}");
        }
    }

    private static long bpf(Path cgroupDir, int cmd, MemorySegment attr, String rendered) throws DeviceRulesException {
        try {
            return LibC.bpf(cmd, attr, rendered);
        } catch (ErrnoException e) {
            throw new DeviceRulesException(cgroupDir, e, "");
        }
    }

    private static int openDirectory(Path dir) throws IOException {
        return LibC.openat(LibC.AT_FDCWD, dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
    }
}
