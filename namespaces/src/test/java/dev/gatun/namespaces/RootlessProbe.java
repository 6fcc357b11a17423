package dev.gatun.namespaces;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link RootlessKernelTest} in a separate JVM as an unprivileged user: starts
 * {@code unshare --user sleep} (left waiting, unmapped), maps it with the rootless default through
 * {@link IdMapper}, and prints what happened, one fact per line, for the test to check.
 */
public final class RootlessProbe {

    private RootlessProbe() {}

    public static void main(String[] args) throws Exception {
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

    private static String squeeze(long pid, String file) throws Exception {
        return String.join(" ", Files.readString(Path.of("/proc", Long.toString(pid), file)).strip().split("\\s+"));
    }
}
