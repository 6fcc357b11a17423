package dev.gatun.core.rootfs;

import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.oci.MountOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * How one mount becomes {@code mount(2)} calls, as runc and the kernel require:
 *
 * <ul>
 *   <li>a bind mount ({@code bind}, {@code rbind} or type {@code bind}) is made first and only
 *       then remounted with its flags ({@code MS_BIND|MS_REMOUNT|flags}): the kernel ignores
 *       every flag but {@code MS_REC} on the first call, so a {@code ro} bind would otherwise
 *       be writable. The remount keeps the source mount's locked flags ({@link MountTable});
 *   <li>any other type is one call with its flags and data ({@code mode=755,size=65536k});
 *   <li>propagation options ({@code rprivate}, {@code shared} ...) are separate calls after the
 *       mount, one each, in order: the kernel takes one propagation type per call;
 *   <li>recursive attributes ({@code rro}, {@code rnosuid} ...) are one {@code mount_setattr}
 *       with {@code AT_RECURSIVE} (Linux 5.12).
 * </ul>
 *
 * Stateless; every method appends to the given builder.
 */
final class Mounts {

    static final long MS_BIND = MountOptions.MS_BIND;
    static final long MS_REC = MountOptions.MS_REC;
    static final long MS_REMOUNT = MountOptions.MS_REMOUNT;
    static final long MS_RDONLY = MountOptions.MS_RDONLY;
    static final long MS_MOVE = MountOptions.MS_MOVE;
    static final int MNT_DETACH = 2;
    private static final int AT_RECURSIVE = 0x8000;
    private static final long PROPAGATION = MountOptions.MS_SHARED | MountOptions.MS_SLAVE | MountOptions.MS_PRIVATE
            | MountOptions.MS_UNBINDABLE;

    private Mounts() {}

    /** A bind of {@code source} on {@code target}, then the remount when {@code options} carry flags. */
    static void bind(Program.Builder b, String source, String target, MountOptions options, long sourceLocked) {
        long rec = options.flags() & MS_REC;
        b.mount(source, target, null, MS_BIND | rec, null);
        long flags = options.flags() & ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (flags != 0) {
            long kept = sourceLocked & ~options.clearedFlags();
            b.mount(source, target, null, MS_BIND | MS_REMOUNT | flags | kept, null);
        }
        after(b, target, options);
    }

    /** A mount of a file system: {@code mount(source, target, type, flags, data)}. */
    static void fileSystem(Program.Builder b, String source, String target, String type, MountOptions options) {
        b.mount(source, target, type, options.flags() & ~MS_REMOUNT, options.data().isEmpty() ? null : options.data());
        after(b, target, options);
    }

    /** The propagation changes and recursive attributes of {@code options}, on {@code target}. */
    static void after(Program.Builder b, String target, MountOptions options) {
        for (long p : options.propagation()) {
            b.mount(null, target, null, p, null);
        }
        if (options.hasRecursiveAttributes()) {
            setattr(b, target, options.recursiveSet(), options.recursiveClear());
        }
    }

    /** {@code mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &{attr_set, attr_clr, 0, 0}, 32)}. */
    static void setattr(Program.Builder b, String target, long set, long clear) {
        byte[] attr = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder()).putLong(set).putLong(clear).putLong(0)
                .putLong(0).array();
        b.syscall("mount_setattr", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(target), new Arg.Value(AT_RECURSIVE, "AT_RECURSIVE"),
                new Arg.Bytes(attr, "&{attr_set=" + attrs(set) + ", attr_clr=" + attrs(clear) + "}"), Arg.of(32));
    }

    /** Whether {@code flags} hold a propagation type. */
    static boolean isPropagation(long flags) {
        return (flags & PROPAGATION) != 0;
    }

    /** The propagation flags of a {@code rootfsPropagation} value, or -1 for an unknown one. */
    static long propagation(String value) {
        return switch (value) {
            case "shared" -> MountOptions.MS_SHARED;
            case "slave" -> MountOptions.MS_SLAVE;
            case "private" -> MountOptions.MS_PRIVATE;
            case "unbindable" -> MountOptions.MS_UNBINDABLE;
            case "rshared" -> MountOptions.MS_SHARED | MS_REC;
            case "rslave" -> MountOptions.MS_SLAVE | MS_REC;
            case "rprivate" -> MountOptions.MS_PRIVATE | MS_REC;
            case "runbindable" -> MountOptions.MS_UNBINDABLE | MS_REC;
            default -> -1;
        };
    }

    /** {@code MOUNT_ATTR_*} bits by name, for the rendering. */
    private static String attrs(long bits) {
        if (bits == 0) {
            return "0";
        }
        String[] names = {"MOUNT_ATTR_RDONLY", "MOUNT_ATTR_NOSUID", "MOUNT_ATTR_NODEV", "MOUNT_ATTR_NOEXEC",
                "MOUNT_ATTR_NOATIME", "MOUNT_ATTR_STRICTATIME", "0x40", "MOUNT_ATTR_NODIRATIME"};
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if ((bits & (1L << i)) != 0) {
                parts.add(names[i]);
            }
        }
        long rest = bits & ~0xffL;
        if (rest != 0) {
            parts.add("0x" + Long.toHexString(rest));
        }
        return String.join("|", parts);
    }
}
