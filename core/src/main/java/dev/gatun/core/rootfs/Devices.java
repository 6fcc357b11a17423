package dev.gatun.core.rootfs;

import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.LibC;
import dev.gatun.core.spawn.Arg;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.Slot;
import dev.gatun.core.spawn.Step;
import dev.gatun.oci.Linux;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device nodes and links of a container's {@code /dev}, made by the child inside the tmpfs
 * it has just mounted (a fresh tmpfs holds no symlinks, so plain paths are safe there).
 *
 * <p>The standard set is the one the runtime-spec requires and runc creates: {@code null zero
 * full random urandom tty} (character devices 1:3, 1:5, 1:7, 1:8, 1:9, 5:0, mode 0666, owner
 * root), the links {@code fd -> /proc/self/fd}, {@code stdin/stdout/stderr -> /proc/self/fd/0..2}
 * and {@code ptmx -> pts/ptmx}. {@code linux.devices} entries are added, replacing a standard one
 * of the same path. Nodes are made with {@code mknodat} under {@code umask(0)} (so that 0666
 * stays 0666) and chowned when the spec gives an owner; in a new user namespace, where the
 * kernel refuses {@code mknod}, each is an empty file with the host's node of the same path
 * bind-mounted on it, as runc does.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config-linux.md#default-devices">config-linux.md default devices</a>
 */
final class Devices {

    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFIFO = 0010000;

    /** One node: its path in the container, its type bits, numbers, mode and owner (-1: leave). */
    record Node(String path, int type, long major, long minor, int mode, long uid, long gid) {}

    /** The standard devices. */
    static final List<Node> STANDARD = List.of(
            new Node("/dev/null", S_IFCHR, 1, 3, 0666, -1, -1),
            new Node("/dev/zero", S_IFCHR, 1, 5, 0666, -1, -1),
            new Node("/dev/full", S_IFCHR, 1, 7, 0666, -1, -1),
            new Node("/dev/random", S_IFCHR, 1, 8, 0666, -1, -1),
            new Node("/dev/urandom", S_IFCHR, 1, 9, 0666, -1, -1),
            new Node("/dev/tty", S_IFCHR, 5, 0, 0666, -1, -1));

    /** The standard links, link path to target. */
    static final Map<String, String> LINKS = linkMap();

    private Devices() {}

    private static Map<String, String> linkMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/dev/fd", "/proc/self/fd");
        m.put("/dev/stdin", "/proc/self/fd/0");
        m.put("/dev/stdout", "/proc/self/fd/1");
        m.put("/dev/stderr", "/proc/self/fd/2");
        m.put("/dev/ptmx", "pts/ptmx");
        return m;
    }

    /**
     * The standard devices with {@code linux.devices} merged in; {@code errors} receives the
     * problems of bad entries (a path outside {@code /dev}, an unknown type, missing numbers).
     */
    static List<Node> merge(List<Linux.Device> devices, List<String> errors) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        STANDARD.forEach(n -> nodes.put(n.path(), n));
        for (int i = 0; i < devices.size(); i++) {
            Linux.Device d = devices.get(i);
            String at = "$.linux.devices[" + i + "]";
            String path = d.path() == null ? null : "/" + String.join("/", InRoot.names(d.path()));
            if (path == null || !d.path().startsWith("/") || !path.startsWith("/dev/")) {
                errors.add(at + ".path: \"" + d.path() + "\" must be an absolute path under /dev "
                        + "(devices elsewhere are not supported)");
                continue;
            }
            int type = switch (d.type() == null ? "" : d.type()) {
                case "c", "u" -> S_IFCHR;
                case "b" -> S_IFBLK;
                case "p" -> S_IFIFO;
                default -> -1;
            };
            if (type < 0) {
                errors.add(at + ".type: \"" + d.type() + "\" must be c, u, b or p");
                continue;
            }
            if (type != S_IFIFO && (d.major() == null || d.minor() == null)) {
                errors.add(at + ": a " + d.type() + " device needs major and minor");
                continue;
            }
            int mode = d.fileMode() == null ? 0666 : (int) (d.fileMode() & 07777);
            nodes.put(path, new Node(path, type, d.major() == null ? 0 : d.major(), d.minor() == null ? 0 : d.minor(),
                    mode, d.uid() == null ? -1 : d.uid(), d.gid() == null ? -1 : d.gid()));
        }
        return new ArrayList<>(nodes.values());
    }

    /**
     * Appends the steps that make {@code nodes} and the standard links in the {@code /dev} whose
     * host path (in the child's mount namespace) is {@code devTarget}.
     */
    static void append(Program.Builder b, String devTarget, List<Node> nodes, boolean bindFromHost) {
        Slot umask = Slot.named("old_umask");
        if (!bindFromHost) {
            b.step(Step.of("umask", Arg.of(0)).storingIn(umask));
        }
        for (Node n : nodes) {
            String target = devTarget + n.path().substring("/dev".length());
            List<String> names = InRoot.names(n.path().substring("/dev".length()));
            String dir = devTarget;
            for (String name : names.subList(0, names.size() - 1)) {
                dir = dir + "/" + name;
                b.mkdirIfMissing(LibC.AT_FDCWD, dir, 0755);
            }
            if (bindFromHost) {
                Slot fd = Slot.named("fd");
                b.openat(fd, LibC.AT_FDCWD, target, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_CLOEXEC, 0)
                        .close(fd)
                        .mount(n.path(), target, null, Mounts.MS_BIND, null);
            } else {
                b.syscall("mknodat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(target),
                        new Arg.Value(n.type() | n.mode(), typeName(n.type()) + "|0" + Integer.toOctalString(n.mode())),
                        new Arg.Value(makedev(n.major(), n.minor()), "makedev(" + n.major() + ", " + n.minor() + ")"));
                if (n.uid() >= 0 || n.gid() >= 0) {
                    b.syscall("fchownat", Arg.dirfd(LibC.AT_FDCWD), new Arg.Text(target), Arg.of(n.uid()), Arg.of(n.gid()),
                            Arg.of(0));
                }
            }
        }
        if (!bindFromHost) {
            b.syscall("umask", Arg.valueOf(umask));
        }
        for (Map.Entry<String, String> link : LINKS.entrySet()) {
            b.step(Step.of("symlinkat", new Arg.Text(link.getValue()), Arg.dirfd(LibC.AT_FDCWD),
                    new Arg.Text(devTarget + link.getKey().substring("/dev".length()))).allowing(Errno.EEXIST));
        }
    }

    /** The kernel's {@code new_encode_dev}: what {@code mknodat}'s 32-bit {@code dev} argument means. */
    static long makedev(long major, long minor) {
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12);
    }

    private static String typeName(int type) {
        return switch (type) {
            case S_IFCHR -> "S_IFCHR";
            case S_IFBLK -> "S_IFBLK";
            default -> "S_IFIFO";
        };
    }
}
