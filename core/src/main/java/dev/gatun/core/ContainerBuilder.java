package dev.gatun.core;

import dev.gatun.cgroups.OnUnsupported;
import dev.gatun.cgroups.Resources;
import dev.gatun.core.linux.Arch;
import dev.gatun.core.plan.ResourceMapping;
import dev.gatun.core.plan.SeccompMapping;
import dev.gatun.core.security.Capability;
import dev.gatun.core.security.CapabilitySets;
import dev.gatun.core.security.SecurityDefaults;
import dev.gatun.images.Image;
import dev.gatun.images.ImageConfig;
import dev.gatun.images.ImageSource;
import dev.gatun.images.ImageStore;
import dev.gatun.images.Platform;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.namespaces.OciNamespace;
import dev.gatun.oci.Hooks;
import dev.gatun.oci.IdMapping;
import dev.gatun.oci.Linux;
import dev.gatun.oci.Mount;
import dev.gatun.oci.ProcessSpec;
import dev.gatun.oci.Root;
import dev.gatun.oci.Spec;
import dev.gatun.oci.SpecVersion;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Builds a {@link Container}: what to run, in which namespaces, under which limits, on which root
 * filesystem. Every setting is written into an OCI spec ({@link #toSpec()}), the one source of
 * truth the container is planned from; {@link Container#fromSpec} and
 * {@link Container#fromBundle} take the same path from a config.json.
 *
 * <table>
 *   <caption>Attributes and their defaults</caption>
 *   <tr><th>attribute</th><th>default</th></tr>
 *   <tr><td>{@link #id(String) id}</td><td>12 random hex digits</td></tr>
 *   <tr><td>{@link #command(String...) command}</td><td>none: required</td></tr>
 *   <tr><td>{@link #rootfs(Path) rootfs}</td><td>the <em>sandbox root</em>: an empty root (a
 *       tmpfs of the container's own, made in its mount namespace) with read-only binds of
 *       the {@link #hostPaths(String...) host paths} and a private {@code /tmp}; no image
 *       needed</td></tr>
 *   <tr><td>{@link #image(Image) image}</td><td>none; with one, the root filesystem is the image's and its
 *       config gives the defaults of command, environment, working directory and user</td></tr>
 *   <tr><td>{@link #hostPaths(String...) host paths} (sandbox root only)</td><td>{@link #DEFAULT_HOST_PATHS}</td></tr>
 *   <tr><td>{@link #readonlyRootfs(boolean) read-only root}</td><td>true for the sandbox root, false for a directory</td></tr>
 *   <tr><td>{@link #env(String, String) environment}</td><td>{@code PATH} as runc sets it, {@code HOME=/root}</td></tr>
 *   <tr><td>{@link #cwd(String) working directory}</td><td>{@code /}</td></tr>
 *   <tr><td>{@link #user(long, long, long...) user}</td><td>uid 0, gid 0, no extra groups</td></tr>
 *   <tr><td>{@link #hostname(String) hostname}</td><td>the first 12 characters of the id</td></tr>
 *   <tr><td>{@link #namespaces(Namespaces) namespaces}</td><td>new pid, mount, uts, ipc, network and cgroup namespaces</td></tr>
 *   <tr><td>{@link #network(NetworkMode) network}</td><td>{@link NetworkMode#none() none}: a network namespace of its own, {@code lo} up</td></tr>
 *   <tr><td>{@code /etc/hosts}, {@code /etc/hostname}, {@code /etc/resolv.conf}</td><td>generated as podman
 *       does for the network mode, in the container's state directory, and bound over the root's
 *       (read-only when the root is), unless a {@link #mount mount} of the caller's covers them;
 *       on a {@link #rootfs(Path) rootfs} of the caller's only where it has the file;
 *       not part of {@link #toSpec()}: {@link Container#create()} adds the binds</td></tr>
 *   <tr><td>{@link #resources(Resources) resources}</td><td>a pids limit of {@value #DEFAULT_PIDS_LIMIT}
 *       (podman's default), nothing else; {@code pidsLimit(-1)} lifts it</td></tr>
 *   <tr><td>{@link #oomScoreAdj(int) OOM score adjustment}</td><td>{@value #DEFAULT_OOM_SCORE_ADJ}: under a
 *       memory ceiling it shares with the JVM, the kernel's OOM killer picks the container first</td></tr>
 *   <tr><td>device rules ({@code linux.resources.devices})</td><td>runc's and Docker's
 *       ({@link SecurityDefaults#DEVICE_RULES}): deny all; allow {@code mknod} of any device
 *       ({@code c *:* m}, {@code b *:* m}); allow {@code rwm} of null 1:3, random 1:8, full 1:7,
 *       tty 5:0, zero 1:5, urandom 1:9, the ptys 136:*, ptmx 5:2 and tun 10:200. The device rules
 *       of {@link #resources(Resources)} follow them, and the last rule that matches wins, so
 *       {@code resources(r -> r.device(new DeviceRule(true, "b", 7L, null, "rw")))} opens the
 *       loop devices. Enforced by the v1 devices controller, or on cgroup v2 by an eBPF program
 *       attached to the container's cgroup</td></tr>
 *   <tr><td>{@link #capabilities(String...) capabilities}</td><td>Docker's 14</td></tr>
 *   <tr><td>{@link #seccomp(SeccompProfile) seccomp}</td><td>{@link SeccompProfile#SANDBOX}: podman's
 *       containers-common profile made as strict as Docker's (no user namespaces, mounts or keyrings
 *       without {@code CAP_SYS_ADMIN})</td></tr>
 *   <tr><td>{@link #noNewPrivileges(boolean) no_new_privs}</td><td>true</td></tr>
 *   <tr><td>masked and read-only paths</td><td>the OCI/Docker defaults ({@code /proc/kcore} …)</td></tr>
 *   <tr><td>{@link #redirectInput(Redirect) stdio}</td><td>pipes, as {@link ProcessBuilder}</td></tr>
 *   <tr><td>{@link #terminal(boolean) terminal}</td><td>false; {@link #consoleSize(int, int) console size}: the kernel's 0 x 0</td></tr>
 *   <tr><td>{@link #cgroupsPath(String) cgroupsPath}</td><td>{@code gatun-<id>} below this JVM's own cgroup</td></tr>
 *   <tr><td>{@link #dropUnsupportedLimits(boolean) unsupported limits}</td><td>an error</td></tr>
 *   <tr><td>{@link #stopTimeout(Duration) stop timeout}</td><td>10 s between SIGTERM and SIGKILL in {@link Container#close()}</td></tr>
 *   <tr><td>{@link #publish(int, int) published ports}</td><td>none: the container's network is
 *       reachable only from inside (and through {@link Container#callInNetworkNamespace})</td></tr>
 *   <tr><td>{@link #maxPublishedConnections(int) connections carried at once}</td><td>{@value #DEFAULT_MAX_PUBLISHED_CONNECTIONS}</td></tr>
 *   <tr><td>{@link #udpIdleTimeout(Duration) UDP flow idle timeout}</td><td>60 s</td></tr>
 * </table>
 *
 * <p>Setters check their argument at once ({@link IllegalArgumentException} naming the setting);
 * {@link #build()} copies everything, so the builder can be changed and reused. Null is rejected
 * everywhere. Not thread-safe.
 */
public final class ContainerBuilder {

    /** Host paths the sandbox root binds read-only when they exist (symlinks are recreated as symlinks). */
    public static final List<String> DEFAULT_HOST_PATHS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32",
            "/lib64", "/libx32", "/etc/alternatives", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
            "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/hosts");

    /**
     * The pids limit of a container whose {@link #resources(Resources) resources} set none
     * (podman's default): a fork bomb then stops at the container's own ceiling instead of taking
     * the pids (threads) the JVM needs.
     */
    public static final long DEFAULT_PIDS_LIMIT = 2048;

    /**
     * The OOM score adjustment of a container that sets none: the highest, so that when the
     * container and the JVM share a memory ceiling (the JVM's cgroup, the whole machine) the
     * kernel's OOM killer ends the container's processes, not the JVM. The JVM writes it for the
     * init just after its exec ({@link Container#start()} says why not before): what the init forks
     * in that first moment keeps the JVM's score.
     */
    public static final int DEFAULT_OOM_SCORE_ADJ = 1000;

    private String id;
    private Path rootfs;
    private ImageConfig imageConfig;
    private Path imageTree;
    /** The store {@link #imageTree} is in and its image, held by the container's {@link ImageRoot}. */
    private ImageStore imageStore;
    private dev.gatun.images.Digest imageId;
    /** What the caller set, which the image's defaults do not override. */
    private final Set<String> envSet = new TreeSet<>();
    private boolean envReplaced;
    private boolean cwdSet;
    private boolean userSet;
    private List<String> hostPaths = DEFAULT_HOST_PATHS;
    private Boolean readonlyRootfs;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String cwd = "/";
    private long uid;
    private long gid;
    private long[] groups = new long[0];
    private String userName;
    private String hostname;
    private String domainname;
    private final List<Mount> mounts = new ArrayList<>();
    private Namespaces namespaces = Namespaces.builder().create(NamespaceType.PID, NamespaceType.MOUNT,
            NamespaceType.UTS, NamespaceType.IPC, NamespaceType.NETWORK, NamespaceType.CGROUP).build();
    private NetworkMode network;
    private Resources resources = Resources.NONE;
    private final List<ProcessSpec.Rlimit> rlimits = new ArrayList<>();
    private final Map<String, String> sysctl = new LinkedHashMap<>();
    private Integer oomScoreAdj;
    private Hooks hooks;
    private Set<String> capabilities = dockerCapabilities();
    private SeccompProfile seccomp = SeccompProfile.SANDBOX;
    private boolean noNewPrivileges = true;
    private String cgroupsPath;
    private Redirect stdin = Redirect.PIPE;
    private Redirect stdout = Redirect.PIPE;
    private Redirect stderr = Redirect.PIPE;
    private boolean redirectErrorStream;
    private boolean terminal;
    private ProcessSpec.ConsoleSize consoleSize;
    private boolean dropUnsupportedLimits;
    private boolean limitsAreDefaults;
    private Duration stopTimeout = Duration.ofSeconds(10);
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private final List<PortMapping> ports = new ArrayList<>();
    private int maxPublishedConnections = DEFAULT_MAX_PUBLISHED_CONNECTIONS;
    private Duration udpIdleTimeout = DEFAULT_UDP_IDLE_TIMEOUT;

    /** How many TCP connections and UDP flows a container's published ports carry at once, unless set. */
    public static final int DEFAULT_MAX_PUBLISHED_CONNECTIONS = 1024;

    /** How long a published UDP port keeps a client's flow with no datagram either way, unless set. */
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(60);

    ContainerBuilder() {
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", "/root");
    }

    /** The container's id: letters, digits, {@code _ + - .}; unique among this JVM's containers. */
    public ContainerBuilder id(String id) {
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_+.-]{0,127}")) {
            throw new IllegalArgumentException("id: \"" + id + "\" must be 1-128 of [A-Za-z0-9_+.-], starting alphanumeric");
        }
        this.id = id;
        return this;
    }

    /** A directory to use as the root filesystem (an unpacked image); replaces the sandbox root. */
    public ContainerBuilder rootfs(Path directory) {
        this.rootfs = directory.toAbsolutePath();
        this.imageTree = null;
        this.imageConfig = null;
        this.imageStore = null;
        this.imageId = null;
        return this;
    }

    /**
     * Runs {@code image}: unpacks it into {@code store} now (unless it is there already), and the
     * container's root filesystem is made from it at create ({@link ImageRoot}: an overlay with
     * a writable layer of the container's own; rootless, mounted by the container's init in its
     * own namespaces, a copy only where the kernel cannot), removed at delete. The
     * image's config gives the defaults of what this builder does not set: the command
     * (Entrypoint then Cmd; {@link #command(String...)} replaces both), the environment (the
     * image's variables over the builder's default {@code PATH} and {@code HOME}, under those set
     * with {@link #env(String, String)}; {@link #environment(Map)} replaces all), the working
     * directory and the user ({@code name}, {@code uid}, {@code uid:gid} or {@code name:group},
     * names looked up in the image's {@code /etc/passwd} and {@code /etc/group}). Replaces
     * {@link #rootfs(Path)} and the sandbox root.
     *
     * @throws dev.gatun.images.InvalidImageException a blob or layer that does not match its digest, a hostile layer
     * @throws IOException the store could not be written
     */
    public ContainerBuilder image(Image image, ImageStore store) throws IOException {
        this.imageTree = store.unpack(image);
        this.imageConfig = image.config();
        this.imageStore = store;
        this.imageId = image.id();
        this.rootfs = null;
        return this;
    }

    /** {@link #image(Image, ImageStore)} with the {@linkplain ImageStore#defaultLocation() default store}. */
    public ContainerBuilder image(Image image) throws IOException {
        return image(image, ImageStore.open(ImageStore.defaultLocation()));
    }

    /**
     * {@link #image(Image)} of the image at {@code source} for this JVM's platform: an OCI image
     * layout (a directory with {@code oci-layout}; the first manifest for the platform) or a
     * {@code docker save} archive (a file; its first image).
     */
    public ContainerBuilder image(Path source) throws IOException {
        return image(Files.isDirectory(source) ? ImageSource.ociLayout(source, null, Platform.current())
                : ImageSource.dockerArchive(source, null));
    }

    /**
     * {@link #image(Image)} of {@code reference} ({@code host[:port]/name[:tag|@digest]}), pulled
     * from its registry for this JVM's platform into the default store, every blob checked
     * ({@link ImageSource#registry}).
     */
    public ContainerBuilder image(String reference) throws IOException {
        ImageStore store = ImageStore.open(ImageStore.defaultLocation());
        return image(ImageSource.registry(reference, Platform.current(), store), store);
    }

    /** The config of the image set with {@link #image(Image)}, if any. */
    public java.util.Optional<ImageConfig> imageConfig() {
        return java.util.Optional.ofNullable(imageConfig);
    }

    /** The host paths the sandbox root binds read-only (ignored with {@link #rootfs(Path)}). */
    public ContainerBuilder hostPaths(String... paths) {
        for (String p : paths) {
            requireAbsolute("hostPaths", p);
        }
        this.hostPaths = List.of(paths);
        return this;
    }

    /** Whether the root filesystem is mounted read-only. */
    public ContainerBuilder readonlyRootfs(boolean readonly) {
        this.readonlyRootfs = readonly;
        return this;
    }

    /** The program and its arguments; the program is looked up on the container's {@code PATH}. */
    public ContainerBuilder command(String... command) {
        return command(List.of(command));
    }

    /** The program and its arguments. */
    public ContainerBuilder command(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command: must name a program");
        }
        args.clear();
        args.addAll(command);
        return this;
    }

    /** Sets one environment variable. */
    public ContainerBuilder env(String name, String value) {
        if (name.isEmpty() || name.contains("=")) {
            throw new IllegalArgumentException("env: \"" + name + "\" is no variable name");
        }
        env.put(name, Objects.requireNonNull(value, "value"));
        envSet.add(name);
        return this;
    }

    /** Replaces the whole environment. */
    public ContainerBuilder environment(Map<String, String> environment) {
        env.clear();
        environment.forEach(this::env);
        envReplaced = true;
        return this;
    }

    /** The working directory, an absolute path inside the container. */
    public ContainerBuilder cwd(String cwd) {
        requireAbsolute("cwd", cwd);
        this.cwd = cwd;
        this.cwdSet = true;
        return this;
    }

    /** The numeric user, group and supplementary groups the command runs as. */
    public ContainerBuilder user(long uid, long gid, long... additionalGids) {
        if (uid < 0 || gid < 0 || uid > 0xFFFF_FFFEL || gid > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("user: uid " + uid + " / gid " + gid + " out of range");
        }
        this.uid = uid;
        this.gid = gid;
        this.groups = additionalGids.clone();
        this.userName = null;
        this.userSet = true;
        return this;
    }

    /** A user by name, looked up in the container's {@code /etc/passwd} when the spec is made. */
    public ContainerBuilder user(String name) {
        if (name.isEmpty() || name.contains(":") || name.contains("\n")) {
            throw new IllegalArgumentException("user: \"" + name + "\" is no user name");
        }
        this.userName = name;
        this.userSet = true;
        return this;
    }

    /** The hostname; gives the container its own UTS namespace's name. */
    public ContainerBuilder hostname(String hostname) {
        if (hostname.isEmpty() || hostname.length() > 64) {
            throw new IllegalArgumentException("hostname: \"" + hostname + "\" must be 1-64 characters");
        }
        this.hostname = hostname;
        return this;
    }

    /** The NIS domain name. */
    public ContainerBuilder domainname(String domainname) {
        if (domainname.length() > 64) {
            throw new IllegalArgumentException("domainname: longer than 64 characters");
        }
        this.domainname = domainname;
        return this;
    }

    /** Binds host path {@code source} at {@code destination}, read-only or read-write. */
    public ContainerBuilder bind(Path source, String destination, boolean readOnly) {
        requireAbsolute("bind destination", destination);
        List<String> options = new ArrayList<>(List.of("rbind", readOnly ? "ro" : "rw", "nosuid", "nodev"));
        mounts.add(new Mount(destination, source.toAbsolutePath().toString(), "bind", options, null, null));
        return this;
    }

    /** A tmpfs at {@code destination} of at most {@code size} (as {@code "64m"}; null for the kernel's default). */
    public ContainerBuilder tmpfs(String destination, String size) {
        requireAbsolute("tmpfs destination", destination);
        List<String> options = new ArrayList<>(List.of("nosuid", "nodev", "mode=1777"));
        if (size != null) {
            options.add("size=" + size);
        }
        mounts.add(new Mount(destination, "tmpfs", "tmpfs", options, null, null));
        return this;
    }

    /** Any mount, as config.json writes it (proc, sysfs, devpts, mqueue, overlay …). */
    public ContainerBuilder mount(Mount mount) {
        requireAbsolute("mount destination", mount.destination());
        mounts.add(mount);
        return this;
    }

    /**
     * The namespaces: which to create, join or share, with uid/gid mappings and time offsets.
     * Joining another container's PID namespace ({@code join(PID, otherInit.pid())}, podman's
     * {@code --pid=container:X}) makes the init a member of it, not its pid 1; with a new user
     * namespace as well, the default proc mount must then be replaced by a bind of {@code /proc}
     * (through {@link Container#fromSpec}), since the kernel refuses a proc of a PID namespace the
     * new user namespace does not own.
     */
    public ContainerBuilder namespaces(Namespaces namespaces) {
        this.namespaces = Objects.requireNonNull(namespaces, "namespaces");
        this.network = null;
        return this;
    }

    /**
     * The container's network (podman's {@code --network}): {@link NetworkMode#none()} (the
     * default, a namespace of its own with {@code lo} up), {@link NetworkMode#host()}, or a joined
     * namespace ({@link NetworkMode#joined(Path)}, {@link NetworkMode#container(Container)}). It
     * sets the network entry of the {@link #namespaces(Namespaces) namespaces}, whichever of the
     * two is called last.
     */
    public ContainerBuilder network(NetworkMode mode) {
        this.network = Objects.requireNonNull(mode, "network");
        return this;
    }

    /** The network in podman's words: {@code none}, {@code host}, {@code ns:<path>}; see {@link #network(NetworkMode)}. */
    public ContainerBuilder network(String mode) {
        return network(NetworkMode.parse(mode));
    }

    /** The namespaces with the {@link #network(NetworkMode) network mode} applied. */
    private Namespaces withNetworkMode() {
        return switch (network) {
            case null -> namespaces;
            case NetworkMode.None n -> namespaces.toBuilder().create(NamespaceType.NETWORK).build();
            case NetworkMode.Pasta p -> namespaces.toBuilder().create(NamespaceType.NETWORK).build();
            case NetworkMode.Host h -> namespaces.toBuilder().share(NamespaceType.NETWORK).build();
            case NetworkMode.Joined j -> namespaces.toBuilder().join(NamespaceType.NETWORK, j.namespace()).build();
        };
    }

    /** The cgroup limits. */
    public ContainerBuilder resources(Resources resources) {
        this.resources = Objects.requireNonNull(resources, "resources");
        return this;
    }

    /** The cgroup limits, as {@code r -> r.memory("512m").cpus(1.5).pidsLimit(100)}. */
    public ContainerBuilder resources(Consumer<Resources.Builder> limits) {
        Resources.Builder b = resources.rebuild();
        limits.accept(b);
        this.resources = b.build();
        return this;
    }

    /** A resource limit, like {@code rlimit("RLIMIT_NOFILE", 1024, 1024)}. */
    public ContainerBuilder rlimit(String type, long soft, long hard) {
        dev.gatun.core.security.Rlimit.of(type).prlimit(soft, hard);
        rlimits.removeIf(r -> r.type().equals(type));
        rlimits.add(new ProcessSpec.Rlimit(type, hard, soft));
        return this;
    }

    /** A namespaced kernel parameter, like {@code sysctl("net.ipv4.ip_forward", "1")}. */
    public ContainerBuilder sysctl(String key, String value) {
        if (!key.matches("[a-z0-9_.-]+(\\.[a-z0-9_.-]+)*") || key.contains("..")) {
            throw new IllegalArgumentException("sysctl: \"" + key + "\" is no sysctl name");
        }
        sysctl.put(key, Objects.requireNonNull(value, "value"));
        return this;
    }

    /** The OOM killer's score adjustment, -1000 to 1000. */
    public ContainerBuilder oomScoreAdj(int adj) {
        if (adj < -1000 || adj > 1000) {
            throw new IllegalArgumentException("oomScoreAdj: " + adj + " is outside -1000..1000");
        }
        this.oomScoreAdj = adj;
        return this;
    }

    /** The OCI lifecycle hooks: all six (createContainer and startContainer in the container's namespaces). */
    public ContainerBuilder hooks(Hooks hooks) {
        this.hooks = Objects.requireNonNull(hooks, "hooks");
        return this;
    }

    /** The capabilities the command keeps (bounding, effective, permitted), as {@code CAP_*} names. */
    public ContainerBuilder capabilities(String... names) {
        Set<String> set = new TreeSet<>();
        for (String n : names) {
            set.add(Capability.of(n).name());
        }
        this.capabilities = set;
        return this;
    }

    /** Whether to apply the default seccomp profile ({@link SeccompProfile#SANDBOX}) or none. */
    public ContainerBuilder seccomp(boolean enabled) {
        this.seccomp = enabled ? SeccompProfile.SANDBOX : SeccompProfile.NONE;
        return this;
    }

    /** The seccomp filter: the sandbox's default, podman's containers-common profile, or none. */
    public ContainerBuilder seccomp(SeccompProfile profile) {
        this.seccomp = Objects.requireNonNull(profile, "profile");
        return this;
    }

    /** Whether {@code no_new_privs} is set: no setuid binary or file capability can raise privileges. */
    public ContainerBuilder noNewPrivileges(boolean enabled) {
        this.noNewPrivileges = enabled;
        return this;
    }

    /** The OCI cgroupsPath: absolute, or relative to this JVM's own cgroup. */
    public ContainerBuilder cgroupsPath(String path) {
        this.cgroupsPath = Objects.requireNonNull(path, "cgroupsPath");
        return this;
    }

    /** Where the command's stdin comes from, as for {@link ProcessBuilder#redirectInput(Redirect)}. */
    public ContainerBuilder redirectInput(Redirect source) {
        this.stdin = Objects.requireNonNull(source, "source");
        return this;
    }

    /** Where the command's stdout goes, as for {@link ProcessBuilder#redirectOutput(Redirect)}. */
    public ContainerBuilder redirectOutput(Redirect destination) {
        this.stdout = Objects.requireNonNull(destination, "destination");
        return this;
    }

    /** Where the command's stderr goes, as for {@link ProcessBuilder#redirectError(Redirect)}. */
    public ContainerBuilder redirectError(Redirect destination) {
        this.stderr = Objects.requireNonNull(destination, "destination");
        return this;
    }

    /** stdin read from {@code file}, as {@link ProcessBuilder#redirectInput(java.io.File)}. */
    public ContainerBuilder redirectInput(java.io.File file) {
        return redirectInput(Redirect.from(file));
    }

    /** stdout written to {@code file} (truncated first), as {@link ProcessBuilder#redirectOutput(java.io.File)}. */
    public ContainerBuilder redirectOutput(java.io.File file) {
        return redirectOutput(Redirect.to(file));
    }

    /** stderr written to {@code file} (truncated first), as {@link ProcessBuilder#redirectError(java.io.File)}. */
    public ContainerBuilder redirectError(java.io.File file) {
        return redirectError(Redirect.to(file));
    }

    /** Whether stderr goes where stdout goes. */
    public ContainerBuilder redirectErrorStream(boolean merge) {
        this.redirectErrorStream = merge;
        return this;
    }

    /**
     * Whether the command's stdin, stdout and stderr are a pseudo-terminal (OCI
     * {@code process.terminal}): a pty the container's init has as its controlling terminal, so
     * that shells are interactive, {@code isatty} is true and {@code ^C} (byte 3) sends SIGINT. The
     * {@link ContainerProcess} then reads and writes the pty master; the redirects are ignored.
     *
     * <p>As runc and crun make it: the container's init opens the pty in the container's own
     * devpts ({@code /dev/pts/ptmx}), bind-mounts the slave on {@code /dev/console}, and the JVM
     * takes the master before the command runs; so {@code tty} inside prints {@code /dev/pts/0}
     * and {@code /dev/console} is the terminal. A container without a devpts of its own at
     * {@code /dev/pts} (no mount namespace of its own, a {@link #mount mount} of {@code /dev}
     * with none, or a bind of {@code /dev/pts}) gets a pty of the host's devpts instead: it works the same, but
     * {@code ttyname(3)} inside fails to name it and there is no {@code /dev/console}.
     *
     * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process">config.md process.terminal</a>
     */
    public ContainerBuilder terminal(boolean enabled) {
        this.terminal = enabled;
        return this;
    }

    /** The terminal's window size ({@code process.consoleSize}); only used with {@link #terminal(boolean)}. */
    public ContainerBuilder consoleSize(int rows, int cols) {
        if (rows < 1 || cols < 1 || rows > 0xFFFF || cols > 0xFFFF) {
            throw new IllegalArgumentException("consoleSize: " + rows + " x " + cols + " must be within 1..65535");
        }
        this.consoleSize = new ProcessSpec.ConsoleSize((long) rows, (long) cols);
        return this;
    }

    /** All three streams are the JVM's own, as {@link ProcessBuilder#inheritIO()}. */
    public ContainerBuilder inheritIO() {
        stdin = Redirect.INHERIT;
        stdout = Redirect.INHERIT;
        stderr = Redirect.INHERIT;
        return this;
    }

    /**
     * Whether a limit this host cannot enforce (a controller or file that does not exist) is
     * dropped, and reported by {@link Container#droppedLimits()}, instead of failing create.
     */
    public ContainerBuilder dropUnsupportedLimits(boolean drop) {
        this.dropUnsupportedLimits = drop;
        return this;
    }

    /** How long {@link Container#close()} waits after SIGTERM before SIGKILL. */
    public ContainerBuilder stopTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("stopTimeout: negative");
        }
        this.stopTimeout = timeout;
        return this;
    }

    /**
     * Publishes a container port on the host, as podman's {@code -p hostPort:containerPort}: TCP
     * connections to {@code 127.0.0.1:hostPort} on the host reach {@code 127.0.0.1:containerPort}
     * inside the container's network namespace. {@code hostPort} 0 picks a free port, read with
     * {@link Container#mappedPort(int)} after create.
     *
     * <p>How: the JVM carries the bytes ({@code PortForwarder}): a listener in the host's network
     * namespace, and per connection a socket opened inside the container's namespace, both ways
     * with half-close, backpressure and at most {@link #maxPublishedConnections(int)} connections
     * at once, on one event-loop thread per container; no iptables, no bridge, no helper process. The host ports are
     * bound at {@link Container#create()} (a port in use fails create, naming the mapping) and
     * released by {@link Container#delete()}; connections arrive from the create on, and one made
     * before the server listens is retried for 5 s, then reset. The server sees connections from
     * {@code 127.0.0.1}. Needs the container's own (or a joined) network namespace and, today, a
     * JVM running as root.
     */
    public ContainerBuilder publish(int hostPort, int containerPort) {
        return publish(PortMapping.tcp(hostPort, containerPort));
    }

    /**
     * Publishes ports in podman's {@code -p} form, {@code [hostIP:][hostPort:]containerPort[/tcp|udp]}
     * with ranges ({@code "8080-8082:80-82"}, {@code "0.0.0.0:53:53/udp"}); see
     * {@link PortMapping#parse(String)} and {@link #publish(int, int)}.
     */
    public ContainerBuilder publish(String mapping) {
        PortMapping.parse(mapping).forEach(this::publish);
        return this;
    }

    /** Publishes one mapping; see {@link #publish(int, int)}. A host address and port taken by an earlier mapping is refused. */
    public ContainerBuilder publish(PortMapping mapping) {
        Objects.requireNonNull(mapping, "publish");
        for (PortMapping p : ports) {
            if (mapping.hostPort() != 0 && p.hostPort() == mapping.hostPort() && p.protocol() == mapping.protocol()
                    && p.hostIp().equals(mapping.hostIp())) {
                throw new IllegalArgumentException("publish: " + mapping + " takes host port " + mapping.hostPort()
                        + " which " + p + " publishes already");
            }
        }
        ports.add(mapping);
        return this;
    }

    /** The most TCP connections and UDP flows the published ports carry at once (default {@value #DEFAULT_MAX_PUBLISHED_CONNECTIONS}); beyond it new clients wait in the listen backlog, and new UDP clients' datagrams are dropped. */
    public ContainerBuilder maxPublishedConnections(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxPublishedConnections: " + max + " must be at least 1");
        }
        this.maxPublishedConnections = max;
        return this;
    }

    /** How long a published UDP port keeps a client's flow that carries no datagram either way (default 60 s). */
    public ContainerBuilder udpIdleTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("udpIdleTimeout: " + timeout + " must be positive");
        }
        this.udpIdleTimeout = timeout;
        return this;
    }

    /** An annotation, carried in the spec and the state. */
    public ContainerBuilder annotation(String key, String value) {
        annotations.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Whether the limits set are a caller's defaults rather than asked for (what {@link Sandbox}
     * sets): like the builder's own default, a non-root JVM without a delegated cgroup then drops
     * them (reported) instead of refusing the container.
     */
    ContainerBuilder limitsAreDefaults(boolean defaults) {
        this.limitsAreDefaults = defaults;
        return this;
    }

    /** The container. Nothing is created on the host until {@link Container#create()}. */
    public Container build() {
        if (args.isEmpty() && (imageConfig == null || imageConfig.command().isEmpty())) {
            throw new IllegalArgumentException("command: a container needs a command (command(\"/bin/sh\", ...))"
                    + (imageConfig != null ? "; the image's config has no Entrypoint or Cmd" : ""));
        }
        String theId = id != null ? id : HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        PreparedRoot sandbox = planRoot(theId);
        Spec spec = toSpec(theId, sandbox);
        Path bundle = sandbox != null ? sandbox.bundle() : rootfs.getParent() != null ? rootfs.getParent() : rootfs;
        Namespaces effective = effectiveNamespaces();
        if (!ports.isEmpty() && !effective.created().contains(NamespaceType.NETWORK)
                && !effective.joined().containsKey(NamespaceType.NETWORK)) {
            throw new IllegalArgumentException("publish: " + ports.getFirst() + " needs a network namespace of the "
                    + "container's own or a joined one; this container shares the host's (network mode host), where "
                    + "its ports are the host's already");
        }
        return new Container(theId, spec, bundle, new Container.Launch(stdin, stdout, stderr, redirectErrorStream,
                dropUnsupportedLimits ? OnUnsupported.DROP : OnUnsupported.FAIL, stopTimeout, sandbox, true,
                new Container.Publishing(List.copyOf(ports), maxPublishedConnections, udpIdleTimeout,
                        network instanceof NetworkMode.Pasta),
                etcFiles(theId, effective), limitsAreDefaults || resources.equals(Resources.NONE)));
    }

    /** The OCI spec this builder describes, as {@link #build()} would use it. */
    public Spec toSpec() {
        String theId = id != null ? id : "gatun-preview";
        return toSpec(theId, planRoot(theId));
    }

    private PreparedRoot planRoot(String theId) {
        return imageTree != null ? ImageRoot.plan(theId, imageTree, imageStore, imageId)
                : rootfs == null ? SandboxRoot.plan(theId, hostPaths) : null;
    }

    private Spec toSpec(String theId, PreparedRoot sandbox) {
        Path rootPath = sandbox != null ? sandbox.rootfs() : rootfs;
        boolean readonly = readonlyRootfs != null ? readonlyRootfs : sandbox instanceof SandboxRoot;
        Namespaces namespaces = effectiveNamespaces();
        // gid 5 (tty) for the ptys only where the user namespace maps it: a rootless one that maps
        // the caller alone does not, and the kernel refuses devpts's gid=5 there (EINVAL)
        boolean ttyGroup = !namespaces.created().contains(NamespaceType.USER);
        if (!ttyGroup && namespaces.idMappings().isPresent()) {
            for (dev.gatun.namespaces.IdMapping g : namespaces.idMappings().get().gids()) {
                ttyGroup |= g.containerId() <= 5 && 5 < g.containerId() + g.size();
            }
        }
        List<Mount> allMounts = new ArrayList<>(standardMounts(namespaces.created().contains(NamespaceType.NETWORK),
                ttyGroup));
        if (sandbox instanceof SandboxRoot s) {
            allMounts.addAll(s.mounts());
        }
        allMounts.addAll(mounts);

        long[] ids = !userSet && imageConfig != null && imageConfig.user() != null
                ? Users.imageUser(imageTree, imageConfig.user())
                : userName == null ? new long[] {uid, gid} : Users.lookup(rootPath, sandbox, userName);
        List<Long> extra = new ArrayList<>();
        for (long g : groups) {
            extra.add(g);
        }
        List<String> envList = new ArrayList<>();
        for (Map.Entry<String, String> e : effectiveEnv().entrySet()) {
            envList.add(e.getKey() + "=" + e.getValue());
        }
        List<String> args = !this.args.isEmpty() || imageConfig == null ? this.args : imageConfig.command();
        String cwd = !cwdSet && imageConfig != null && imageConfig.workingDir() != null ? imageConfig.workingDir() : this.cwd;
        List<String> capList = List.copyOf(capabilities);
        ProcessSpec process = ProcessSpec.builder()
                .terminal(terminal)
                .consoleSize(terminal ? consoleSize : null)
                .user(new ProcessSpec.User(ids[0], ids[1], null, extra.isEmpty() ? null : extra, null))
                .args(args)
                .env(envList)
                .cwd(cwd)
                .capabilities(new ProcessSpec.Capabilities(capList, capList, null, capList, null))
                .rlimits(rlimits.isEmpty() ? null : rlimits)
                .noNewPrivileges(noNewPrivileges)
                .oomScoreAdj(oomScoreAdj != null ? oomScoreAdj : DEFAULT_OOM_SCORE_ADJ)
                .build();

        List<Linux.Namespace> nsList = new ArrayList<>();
        for (OciNamespace n : OciNamespace.listOf(namespaces)) {
            nsList.add(new Linux.Namespace(n.type(), n.path()));
        }
        Linux.Builder linux = Linux.builder()
                .namespaces(nsList)
                .resources(ResourceMapping.toOci(withDefaultDeviceRules(withDefaultLimits(resources))))
                .maskedPaths(SecurityDefaults.MASKED_PATHS)
                .readonlyPaths(SecurityDefaults.READONLY_PATHS)
                .sysctl(sysctl.isEmpty() ? null : Map.copyOf(sysctl));
        if (namespaces.idMappings().isPresent()) {
            linux.uidMappings(ociMappings(namespaces.idMappings().get().uids()));
            linux.gidMappings(ociMappings(namespaces.idMappings().get().gids()));
        }
        if (cgroupsPath != null) {
            linux.cgroupsPath(cgroupsPath);
        }
        if (seccomp != SeccompProfile.NONE) {
            linux.seccomp(seccompSection(seccomp, capabilities));
        }
        return Spec.builder()
                .ociVersion(SpecVersion.CURRENT)
                .root(new Root(rootPath.toString(), readonly))
                .mounts(allMounts)
                .process(process)
                .hostname(theHostname(theId))
                .domainname(domainname)
                .hooks(hooks)
                .annotations(annotations.isEmpty() ? null : Map.copyOf(annotations))
                .linux(linux.build())
                .build();
    }

    /** The environment: the builder's defaults, the image's variables over them, and what was set over both. */
    private Map<String, String> effectiveEnv() {
        if (imageConfig == null || envReplaced) {
            return env;
        }
        Map<String, String> out = new LinkedHashMap<>(env);
        for (String kv : imageConfig.env()) {
            int eq = kv.indexOf('=');
            String name = eq < 0 ? kv : kv.substring(0, eq);
            if (!envSet.contains(name)) {
                out.put(name, eq < 0 ? "" : kv.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * The namespaces the container gets: those set, with the {@link #network(NetworkMode) network
     * mode} applied, plus, when this JVM is not root and they make no user namespace, a new one
     * with {@linkplain Rootless#defaultMappings() the rootless mappings} (the caller as root, and
     * its subordinate ids when it has them).
     */
    private Namespaces effectiveNamespaces() {
        Namespaces withNetwork = withNetworkMode();
        if (!Rootless.active() || !(withNetwork.mode(NamespaceType.USER) instanceof dev.gatun.namespaces.NamespaceMode.Share)
                || withNetwork.idMappings().isPresent()) {
            return withNetwork;
        }
        if (withNetwork.joined().get(NamespaceType.NETWORK) instanceof Path netns) {
            // setns into it needs CAP_SYS_ADMIN over its owner, never the container's new user
            // namespace (a sibling of the owner's); joining the owner first would leave the PID
            // namespace to be made by a fork after the joins, which Container's spawn cannot pause
            throw new IllegalArgumentException("network: joining " + netns + " is not supported for an unprivileged "
                    + "JVM yet: the container would have to join the user namespace that owns it and fork into a new "
                    + "PID namespace after the joins, which Container does not do yet; run the JVM as root, or use a "
                    + "network of the container's own (none, or pasta for outbound access and published ports)");
        }
        return withNetwork.toBuilder().create(NamespaceType.USER).idMappings(Rootless.defaultMappings()).build();
    }

    /**
     * The /etc files for container {@code theId} in the network {@code namespaces} give it; not
     * where the caller mounts something at the file or at {@code /etc} (or {@code /}) itself.
     */
    private EtcFiles etcFiles(String theId, Namespaces namespaces) {
        NetworkMode mode = network instanceof NetworkMode.Pasta ? network
                : namespaces.created().contains(NamespaceType.NETWORK) ? NetworkMode.none()
                : namespaces.joined().containsKey(NamespaceType.NETWORK)
                        ? NetworkMode.joined(namespaces.joined().get(NamespaceType.NETWORK)) : NetworkMode.host();
        Set<String> taken = new TreeSet<>();
        mounts.forEach(m -> taken.add(m.destination().replaceAll("/+$", "").isEmpty() ? "/"
                : m.destination().replaceAll("/+$", "")));
        // read-only as the root is: the sandbox root's are, an image's and a directory's are not
        boolean readonly = readonlyRootfs != null ? readonlyRootfs : rootfs == null && imageTree == null;
        return new EtcFiles(theHostname(theId), theId, mode, Set.copyOf(taken), readonly, rootfs != null);
    }

    private String theHostname(String theId) {
        return hostname != null ? hostname : theId.substring(0, Math.min(12, theId.length()));
    }

    /** The inputs of a seccomp section: equal inputs, equal section. */
    private record SeccompInputs(SeccompProfile profile, Set<String> capabilities, String kernelRelease) {}

    /** The last section made, with its inputs. */
    private record SeccompSection(SeccompInputs inputs, dev.gatun.oci.Seccomp section) {}

    /**
     * The last seccomp section made: most builders of a JVM ask for the same one (the default
     * profile and capabilities), and deriving it (some 400 rules filtered for the bounding set and
     * the kernel, then mapped to OCI) cost every container a few milliseconds; the section is an
     * immutable record, so sharing it is safe, and the planner's cache then finds it at once.
     */
    private static volatile SeccompSection lastSeccomp;

    private static dev.gatun.oci.Seccomp seccompSection(SeccompProfile profile, Set<String> capabilities) {
        SeccompInputs inputs = new SeccompInputs(profile, Set.copyOf(capabilities), Gatun.kernelRelease());
        SeccompSection last = lastSeccomp;
        if (last != null && last.inputs().equals(inputs)) {
            return last.section();
        }
        Set<Capability> bounding = new TreeSet<>();
        for (String c : capabilities) {
            bounding.add(Capability.of(c));
        }
        KernelVersion kernel = KernelVersion.parse(inputs.kernelRelease());
        dev.gatun.oci.Seccomp section = SeccompMapping.toOci(profile == SeccompProfile.SANDBOX
                ? SecurityDefaults.seccomp(Arch.current(), bounding, kernel)
                : SecurityDefaults.containersCommonSeccomp(Arch.current(), bounding, kernel));
        lastSeccomp = new SeccompSection(inputs, section);
        return section;
    }

    /** {@code limits}, with the {@linkplain #DEFAULT_PIDS_LIMIT default pids limit} when they set none. */
    private static Resources withDefaultLimits(Resources limits) {
        return limits.pids().limit() != null ? limits : limits.rebuild().pidsLimit(DEFAULT_PIDS_LIMIT).build();
    }

    /**
     * {@code r} with {@link SecurityDefaults#DEVICE_RULES} before its own device rules: without
     * them the container could {@code mknod} and open any host device (CAP_MKNOD is among Docker's
     * capabilities), a disk or a loop device included.
     */
    private static Resources withDefaultDeviceRules(Resources r) {
        List<Resources.DeviceRule> rules = new ArrayList<>(SecurityDefaults.DEVICE_RULES);
        rules.addAll(r.devices());
        return new Resources(r.memory(), r.cpu(), r.pids(), r.blockIo(), r.hugepageLimits(), r.rdma(), r.network(),
                rules, r.unified());
    }

    /**
     * /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and /sys, as {@code runc spec} writes them
     * ({@code runc spec --rootless} without the tty group when {@code ttyGroup} is false).
     */
    static List<Mount> standardMounts(boolean newNetNamespace, boolean ttyGroup) {
        List<Mount> m = new ArrayList<>();
        m.add(new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"), null, null));
        m.add(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"), null, null));
        m.add(new Mount("/dev/pts", "devpts", "devpts",
                ttyGroup ? List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")
                        : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"), null, null));
        m.add(new Mount("/dev/shm", "shm", "tmpfs", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"), null, null));
        m.add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"), null, null));
        m.add(new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"), null, null));
        return m;
    }

    private static Set<String> dockerCapabilities() {
        Set<String> set = new TreeSet<>();
        for (var c : CapabilitySets.DOCKER_DEFAULT) {
            set.add(c.name());
        }
        return set;
    }

    private static List<IdMapping> ociMappings(List<dev.gatun.namespaces.IdMapping> mappings) {
        List<IdMapping> out = new ArrayList<>();
        for (dev.gatun.namespaces.IdMapping x : mappings) {
            out.add(new IdMapping(x.containerId(), x.hostId(), x.size()));
        }
        return out;
    }

    private static void requireAbsolute(String what, String path) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException(what + ": \"" + path + "\" must be an absolute path");
        }
    }

    static boolean isSymlink(Path p) {
        return Files.isSymbolicLink(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }
}
