package dev.gatun.namespaces;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link RootlessKernelTest} in a separate JVM as an unprivileged user: starts
 * {@code unshare --user sleep} (left waiting, unmapped), maps it through {@link IdMapper} — with
 * the rootless default, or with argument {@code subordinate} with the caller's /etc/subuid range —
 * and prints what happened, one fact per line, for the test to check.
 */
public final class RootlessProbe {

    private RootlessProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("subordinate")) {
            subordinate();
            return;
        }
        Caller caller = Caller.current();
        System.out.println("caller " + caller.uid() + " " + caller.gid() + " " + caller.capSetuid());
        IdMapper mapper = IdMapper.forCurrentProcess();
        try (Unshared child = Unshared.start("--user")) {
            IdMapper.Plan plan = mapper.apply(child.pid(), IdMappings.rootless(caller.uid(), caller.gid()));
            System.out.println("writers " + plan.uidWriter() + " " + plan.gidWriter());
            System.out.println("uid_map " + squeeze(child.pid(), "uid_map"));
            System.out.println("gid_map " + squeeze(child.pid(), "gid_map"));
            System.out.println("setgroups " + squeeze(child.pid(), "setgroups"));
        }
        IdMappings wide = new IdMappings(List.of(IdMapping.rootAs(caller.uid()), new IdMapping(1, 100000, 65536)),
                List.of(IdMapping.rootAs(caller.gid())), SetGroups.DENY);
        try {
            mapper.plan(wide);
            System.out.println("wide planned");
        } catch (NamespaceConfigException e) {
            System.out.println("wide refused " + e.getMessage());
        }
    }

    /** The podman-style mapping: root is the caller, 1..65536 its range from /etc/subuid, via the helpers. */
    private static void subordinate() throws Exception {
        Caller caller = Caller.current();
        SubordinateIds subuids = SubordinateIds.read(SubordinateIds.SUBUID);
        SubordinateIds subgids = SubordinateIds.read(SubordinateIds.SUBGID);
        IdMappings m = IdMappings.rootlessWithSubordinates(caller, subuids, subgids);
        try (Unshared child = Unshared.start("--user")) {
            IdMapper.Plan plan = IdMapper.forCurrentProcess().apply(child.pid(), m);
            System.out.println("writers " + plan.uidWriter() + " " + plan.gidWriter());
            System.out.println("uid_map " + squeeze(child.pid(), "uid_map"));
            System.out.println("gid_map " + squeeze(child.pid(), "gid_map"));
            System.out.println("setgroups " + squeeze(child.pid(), "setgroups"));
        }
    }

    private static String squeeze(long pid, String file) throws Exception {
        return String.join(" ", Files.readString(Path.of("/proc", Long.toString(pid), file)).strip().split("\\s+"));
    }
}
