package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One row per validator rule: a valid configuration with one change must give exactly one error,
 * at the expected path, with a message that says what is wrong.
 */
class ValidatorRulesTest {

    private static final String BASE = """
            {
              "ociVersion": "1.3.0",
              "root": {"path": "rootfs"},
              "hostname": "box",
              "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
              "process": {
                "cwd": "/", "args": ["sh"], "env": ["PATH=/bin"], "terminal": true,
                "consoleSize": {"height": 25, "width": 80},
                "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [1]},
                "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"]},
                "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}],
                "oomScoreAdj": 0,
                "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
                "scheduler": {"policy": "SCHED_OTHER", "nice": 0},
                "execCPUAffinity": {"initial": "0", "final": "0-1"}
              },
              "hooks": {"poststop": [{"path": "/bin/cleanup", "env": ["A=b"], "timeout": 5}]},
              "annotations": {"com.example": "x"},
              "linux": {
                "namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"},
                               {"type": "time"}, {"type": "network"}],
                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "timeOffsets": {"monotonic": {"secs": 10, "nanosecs": 0}},
                "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438}],
                "netDevices": {"eth0": {"name": "eth1"}},
                "cgroupsPath": "/gatun/box",
                "resources": {
                  "devices": [{"allow": false, "access": "rwm"}],
                  "memory": {"limit": 1048576, "swap": 2097152, "swappiness": 10},
                  "cpu": {"quota": 50000, "period": 100000, "shares": 1024, "cpus": "0-1", "idle": 0},
                  "pids": {"limit": 100},
                  "blockIO": {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 100}]},
                  "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
                  "network": {"classID": 1, "priorities": [{"name": "eth0", "priority": 1}]},
                  "rdma": {"mlx5_1": {"hcaHandles": 3}},
                  "unified": {"memory.high": "max"}
                },
                "seccomp": {
                  "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                  "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                  "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
                                "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]
                },
                "rootfsPropagation": "rslave",
                "maskedPaths": ["/proc/kcore"],
                "readonlyPaths": ["/proc/sys"],
                "sysctl": {"net.ipv4.ip_forward": "1"},
                "intelRdt": {"closID": "group", "memBwSchema": "MB:0=20"},
                "memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0"},
                "personality": {"domain": "LINUX"}
              }
            }""".replace("\"rslave\"", "\"slave\"");

    private static final String REMOVE = "<remove>";

    /** description, JSON pointer to change, new raw JSON value (or REMOVE), expected path, message fragment. */
    static Stream<Arguments> rules() {
        return Stream.of(
                // ociVersion
                row("/ociVersion", REMOVE, "$.ociVersion", "is required"),
                row("/ociVersion", "\"1.0\"", "$.ociVersion", "not a SemVer"),
                row("/ociVersion", "\"0.9.0\"", "$.ociVersion", "older than 1.0.0"),
                row("/ociVersion", "\"1.4.0\"", "$.ociVersion", "newer than the 1.3.x"),
                row("/ociVersion", "\"2.0.0\"", "$.ociVersion", "newer than the 1.3.x"),
                // root
                row("/root", REMOVE, "$.root", "is required"),
                row("/root/path", REMOVE, "$.root.path", "is required"),
                row("/root/path", "\"\"", "$.root.path", "must not be empty"),
                // mounts
                row("/mounts/0/destination", REMOVE, "$.mounts[0].destination", "is required"),
                row("/mounts/0/destination", "\"\"", "$.mounts[0].destination", "must not be empty"),
                row("/mounts/0/uidMappings", "[{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]", "$.mounts[0].gidMappings", "together"),
                row("/mounts/1", "{\"destination\": \"/d\", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 0}],"
                        + " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}", "$.mounts[1].uidMappings[0].size", "out of range"),
                // process
                row("/process/cwd", REMOVE, "$.process.cwd", "is required"),
                row("/process/cwd", "\"home\"", "$.process.cwd", "absolute"),
                row("/process/args", "[]", "$.process.args", "program to run"),
                row("/process/env/0", "\"PATH\"", "$.process.env[0]", "KEY=value"),
                row("/process/env/0", "\"=x\"", "$.process.env[0]", "KEY=value"),
                row("/process/args", REMOVE, "$.process.args", "program to run"),
                row("/process/consoleSize/width", REMOVE, "$.process.consoleSize.width", "is required"),
                row("/process/user/uid", "4294967296", "$.process.user.uid", "out of range"),
                row("/process/user/gid", "-1", "$.process.user.gid", "out of range"),
                row("/process/user/umask", "512", "$.process.user.umask", "out of range"),
                row("/process/user/additionalGids/0", "4294967296", "$.process.user.additionalGids[0]", "out of range"),
                row("/process/capabilities/effective/0", "\"cap_kill\"", "$.process.capabilities.effective[0]", "did you mean CAP_KILL?"),
                row("/process/capabilities/bounding/0", "\"CAP_FLY\"", "$.process.capabilities.bounding[0]", "unknown capability"),
                row("/process/rlimits/0/type", "\"RLIMIT_FOO\"", "$.process.rlimits[0].type", "unknown rlimit"),
                row("/process/rlimits/1", "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}", "$.process.rlimits[1].type", "more than once"),
                row("/process/rlimits/0/soft", "2048", "$.process.rlimits[0].soft", "above the hard limit"),
                row("/process/rlimits/0/hard", REMOVE, "$.process.rlimits[0].hard", "is required"),
                row("/process/oomScoreAdj", "1001", "$.process.oomScoreAdj", "out of range"),
                row("/process/ioPriority/class", "\"IOPRIO_CLASS_NONE\"", "$.process.ioPriority.class", "is not one of"),
                row("/process/ioPriority/priority", "8", "$.process.ioPriority.priority", "out of range"),
                row("/process/scheduler/policy", "\"SCHED_FAST\"", "$.process.scheduler.policy", "is not one of"),
                row("/process/scheduler/flags", "[\"SCHED_FLAG_X\"]", "$.process.scheduler.flags[0]", "is not one of"),
                row("/process/scheduler/nice", "20", "$.process.scheduler.nice", "out of range"),
                row("/process/scheduler/priority", "5", "$.process.scheduler.priority", "only SCHED_FIFO and SCHED_RR"),
                row("/process/scheduler", "{\"policy\": \"SCHED_FIFO\", \"priority\": 0}", "$.process.scheduler.priority", "out of range"),
                row("/process/scheduler", "{\"policy\": \"SCHED_DEADLINE\", \"runtime\": 3, \"deadline\": 2}", "$.process.scheduler", "runtime <= deadline"),
                row("/process/execCPUAffinity/initial", "\"3-1\"", "$.process.execCPUAffinity.initial", "list like"),
                row("/process/execCPUAffinity/final", "\"a\"", "$.process.execCPUAffinity.final", "list like"),
                // hooks and annotations
                row("/hooks/poststop/0/path", "\"cleanup\"", "$.hooks.poststop[0].path", "absolute"),
                row("/hooks/poststop/0/path", REMOVE, "$.hooks.poststop[0].path", "is required"),
                row("/hooks/poststop/0/timeout", "0", "$.hooks.poststop[0].timeout", "at least 1"),
                row("/hooks/poststop/0/env/0", "\"A\"", "$.hooks.poststop[0].env[0]", "KEY=value"),
                row("/annotations/", "\"x\"", "$.annotations['']", "must not be empty"),
                // namespaces and mappings
                row("/linux/namespaces/6", "{\"type\": \"pid\"}", "$.linux.namespaces[6].type", "already listed"),
                row("/linux/namespaces/6", "{\"type\": \"mnt\"}", "$.linux.namespaces[6].type", "is not one of"),
                row("/linux/namespaces/0/path", "\"proc/1/ns/pid\"", "$.linux.namespaces[0].path", "absolute"),
                row("/linux/namespaces/1/type", "\"ipc\"", "$.hostname", "UTS namespace"),
                row("/linux/namespaces/3/type", "\"cgroup\"", "$.linux.uidMappings", "need a user namespace"),
                row("/linux/uidMappings", REMOVE, "$.linux.uidMappings", "new user namespace"),
                row("/linux/gidMappings", "[]", "$.linux.gidMappings", "new user namespace"),
                row("/linux/uidMappings/0/size", "0", "$.linux.uidMappings[0].size", "out of range"),
                row("/linux/uidMappings/0/containerID", "4294967295", "$.linux.uidMappings[0].size", "overflows 2^32"),
                row("/linux/uidMappings/0/hostID", "4294967000", "$.linux.uidMappings[0].size", "overflows 2^32"),
                row("/linux/uidMappings/0/hostID", "4294967296", "$.linux.uidMappings[0].hostID", "out of range"),
                row("/linux/uidMappings/1", "{\"containerID\": 100, \"hostID\": 0, \"size\": 1}", "$.linux.uidMappings[1].containerID", "overlaps"),
                row("/linux/gidMappings/1", "{\"containerID\": 70000, \"hostID\": 100001, \"size\": 1}", "$.linux.gidMappings[1].hostID", "overlaps"),
                row("/linux/uidMappings/0/size", REMOVE, "$.linux.uidMappings[0].size", "is required"),
                // time namespace
                row("/linux/namespaces/4/type", "\"ipc\"", "$.linux.timeOffsets", "new time namespace"),
                row("/linux/namespaces/4/path", "\"/proc/1/ns/time\"", "$.linux.timeOffsets", "new time namespace"),
                row("/linux/timeOffsets/realtime", "{\"secs\": 1}", "$.linux.timeOffsets.realtime", "is not one of"),
                row("/linux/timeOffsets/monotonic/nanosecs", "1000000000", "$.linux.timeOffsets.monotonic.nanosecs", "out of range"),
                // devices
                row("/linux/devices/0/type", "\"x\"", "$.linux.devices[0].type", "is not one of"),
                row("/linux/devices/0/path", "\"dev/fuse\"", "$.linux.devices[0].path", "absolute"),
                row("/linux/devices/0/major", REMOVE, "$.linux.devices[0].major", "is required"),
                row("/linux/devices/0/major", "4096", "$.linux.devices[0].major", "out of range"),
                row("/linux/devices/0/minor", "-1", "$.linux.devices[0].minor", "out of range"),
                row("/linux/devices/0/fileMode", "512", "$.linux.devices[0].fileMode", "out of range"),
                row("/linux/devices/0/uid", "4294967296", "$.linux.devices[0].uid", "out of range"),
                row("/linux/devices/1", "{\"type\": \"p\", \"path\": \"/dev/fuse\"}", "$.linux.devices[1].path", "listed twice"),
                // network devices
                row("/linux/namespaces/5/type", "\"ipc\"", "$.linux.netDevices", "network namespace"),
                row("/linux/netDevices/eth0/name", "\"a/b\"", "$.linux.netDevices.eth0.name", "interface name"),
                row("/linux/netDevices/averyveryverylongname", "{}", "$.linux.netDevices.averyveryverylongname", "interface name"),
                row("/linux/netDevices/eth1", "{}", "$.linux.netDevices.eth1", "two devices"),
                // cgroupsPath
                row("/linux/cgroupsPath", "\"/a/../../b\"", "$.linux.cgroupsPath", "\"..\""),
                row("/linux/cgroupsPath", "\"\"", "$.linux.cgroupsPath", "must not be empty"),
                row("/linux/cgroupsPath", "\"a:b\"", "$.linux.cgroupsPath", "slice:prefix:name"),
                row("/linux/cgroupsPath", "\"system:gatun:box\"", "$.linux.cgroupsPath", ".slice"),
                row("/linux/cgroupsPath", "\"a.slice:gat/un:box\"", "$.linux.cgroupsPath", "'/'"),
                // resources
                row("/linux/resources/devices/0/type", "\"x\"", "$.linux.resources.devices[0].type", "device rule type"),
                row("/linux/resources/devices/0/access", "\"rx\"", "$.linux.resources.devices[0].access", "device access"),
                row("/linux/resources/devices/0/allow", REMOVE, "$.linux.resources.devices[0].allow", "is required"),
                row("/linux/resources/memory/limit", "-2", "$.linux.resources.memory.limit", "-1 for unlimited"),
                row("/linux/resources/memory/swap", "1024", "$.linux.resources.memory.swap", "at least the memory limit"),
                row("/linux/resources/memory/swappiness", "101", "$.linux.resources.memory.swappiness", "out of range"),
                row("/linux/resources/cpu/quota", "500", "$.linux.resources.cpu.quota", "at least 1000"),
                row("/linux/resources/cpu/burst", "60000", "$.linux.resources.cpu.burst", "burst <= quota"),
                row("/linux/resources/cpu/period", "100", "$.linux.resources.cpu.period", "1000 to 1000000"),
                row("/linux/resources/cpu/shares", "1", "$.linux.resources.cpu.shares", "2 to 262144"),
                row("/linux/resources/cpu/realtimeRuntime", "-2", "$.linux.resources.cpu.realtimeRuntime", "-1 for unlimited"),
                row("/linux/resources/cpu/cpus", "\"0-\"", "$.linux.resources.cpu.cpus", "list like"),
                row("/linux/resources/cpu/mems", "\"x\"", "$.linux.resources.cpu.mems", "list like"),
                row("/linux/resources/cpu/idle", "2", "$.linux.resources.cpu.idle", "not 0 or 1"),
                row("/linux/resources/pids/limit", REMOVE, "$.linux.resources.pids.limit", "is required"),
                row("/linux/resources/blockIO/weight", "5", "$.linux.resources.blockIO.weight", "10 to 1000"),
                row("/linux/resources/blockIO/weightDevice/0/major", REMOVE, "$.linux.resources.blockIO.weightDevice[0].major", "is required"),
                row("/linux/resources/blockIO/throttleReadBpsDevice", "[{\"major\": 8, \"rate\": 1}]", "$.linux.resources.blockIO.throttleReadBpsDevice[0].minor", "is required"),
                row("/linux/resources/hugepageLimits/0/pageSize", "\"64kB\"", "$.linux.resources.hugepageLimits[0].pageSize", "page size"),
                row("/linux/resources/hugepageLimits/0/limit", REMOVE, "$.linux.resources.hugepageLimits[0].limit", "is required"),
                row("/linux/resources/network/priorities/0/priority", REMOVE, "$.linux.resources.network.priorities[0].priority", "is required"),
                row("/linux/resources/network/classID", "4294967296", "$.linux.resources.network.classID", "out of range"),
                row("/linux/resources/rdma/mlx5_1/hcaHandles", "4294967296", "$.linux.resources.rdma.mlx5_1.hcaHandles", "out of range"),
                row("/linux/resources/unified/..", "\"1\"", "$.linux.resources.unified['..']", "cgroup file name"),
                row("/linux/resources/unified/a~1b", "\"1\"", "$.linux.resources.unified['a/b']", "cgroup file name"),
                // seccomp
                row("/linux/seccomp/defaultAction", REMOVE, "$.linux.seccomp.defaultAction", "is required"),
                row("/linux/seccomp/defaultAction", "\"SCMP_ACT_NOPE\"", "$.linux.seccomp.defaultAction", "is not one of"),
                row("/linux/seccomp/defaultErrnoRet", "4294967296", "$.linux.seccomp.defaultErrnoRet", "out of range"),
                row("/linux/seccomp/defaultAction", "\"SCMP_ACT_KILL\"", "$.linux.seccomp.defaultErrnoRet", "only SCMP_ACT_ERRNO"),
                row("/linux/seccomp/architectures/0", "\"SCMP_ARCH_Z80\"", "$.linux.seccomp.architectures[0]", "is not one of"),
                row("/linux/seccomp/flags/0", "\"SECCOMP_FILTER_FLAG_NEW\"", "$.linux.seccomp.flags[0]", "is not one of"),
                row("/linux/seccomp/syscalls/0/names/1", "\"wirte\"", "$.linux.seccomp.syscalls[0].names[1]", "unknown syscall"),
                row("/linux/seccomp/syscalls/0/names", "[]", "$.linux.seccomp.syscalls[0].names", "at least one"),
                row("/linux/seccomp/syscalls/0/action", REMOVE, "$.linux.seccomp.syscalls[0].action", "is required"),
                row("/linux/seccomp/syscalls/0/errnoRet", "1", "$.linux.seccomp.syscalls[0].errnoRet", "SCMP_ACT_ALLOW cannot"),
                row("/linux/seccomp/syscalls/0/action", "\"SCMP_ACT_NOTIFY\"", "$.linux.seccomp.listenerPath", "SCMP_ACT_NOTIFY"),
                row("/linux/seccomp/listenerMetadata", "\"x\"", "$.linux.seccomp.listenerMetadata", "without listenerPath"),
                row("/linux/seccomp/syscalls/0/args/0/index", "6", "$.linux.seccomp.syscalls[0].args[0].index", "out of range"),
                row("/linux/seccomp/syscalls/0/args/0/op", "\"SCMP_CMP_ABOUT\"", "$.linux.seccomp.syscalls[0].args[0].op", "is not one of"),
                row("/linux/seccomp/syscalls/0/args/0/value", REMOVE, "$.linux.seccomp.syscalls[0].args[0].value", "is required"),
                // the rest of linux
                row("/linux/rootfsPropagation", "\"rslave\"", "$.linux.rootfsPropagation", "is not one of"),
                row("/linux/maskedPaths/0", "\"proc/kcore\"", "$.linux.maskedPaths[0]", "absolute"),
                row("/linux/readonlyPaths/0", "\"proc/sys\"", "$.linux.readonlyPaths[0]", "absolute"),
                row("/linux/sysctl/net..x", "\"1\"", "$.linux.sysctl['net..x']", "sysctl name"),
                row("/linux/intelRdt/closID", "\"a/b\"", "$.linux.intelRdt.closID", "resctrl group"),
                row("/linux/intelRdt/memBwSchema", "\"L3:0=1\"", "$.linux.intelRdt.memBwSchema", "MB:"),
                row("/linux/intelRdt/l3CacheSchema", "\"MB:0=1\"", "$.linux.intelRdt.l3CacheSchema", "L3"),
                row("/linux/memoryPolicy/mode", "\"MPOL_ANY\"", "$.linux.memoryPolicy.mode", "is not one of"),
                row("/linux/memoryPolicy/mode", "\"MPOL_DEFAULT\"", "$.linux.memoryPolicy.nodes", "takes no nodes"),
                row("/linux/memoryPolicy/nodes", REMOVE, "$.linux.memoryPolicy.nodes", "is required for MPOL_BIND"),
                row("/linux/memoryPolicy/nodes", "\"0-a\"", "$.linux.memoryPolicy.nodes", "list like"),
                row("/linux/memoryPolicy/flags", "[\"MPOL_F_X\"]", "$.linux.memoryPolicy.flags[0]", "is not one of"),
                row("/linux/personality/domain", "\"LINUX64\"", "$.linux.personality.domain", "is not one of"),
                // other platforms
                row("/freebsd", "{\"jail\": {\"host\": \"disable\"}}", "$.freebsd.jail.host", "is not one of"),
                row("/freebsd", "{\"jail\": {\"ip4\": 1}}", "$.freebsd.jail.ip4", "must be a string"));
    }

    private static Arguments row(String pointer, String value, String path, String message) {
        return Arguments.of(pointer + " = " + value, pointer, value, path, message);
    }

    @Test
    void theBaseConfigurationIsValid() {
        assertThat(OciSpecs.validate(OciSpecs.readConfig(BASE))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachBrokenRuleGivesOneErrorAtItsPath(String name, String pointer, String value, String path, String message) {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, pointer, value);
        Spec spec = OciSpecs.readConfig(OciSpecs.mapper().writeValueAsString(config));
        assertThat(OciSpecs.validate(spec)).singleElement().satisfies(error -> {
            assertThat(error.path()).isEqualTo(path);
            assertThat(error.message()).contains(message);
        });
    }

    @Test
    void allErrorsAreReportedAtOnceInDocumentOrder() {
        Spec spec = OciSpecs.readConfig("""
                {"ociVersion": "x", "root": {"path": "r"},
                 "mounts": [{"destination": ""}, {}],
                 "process": {"cwd": "c", "args": ["sh"]},
                 "linux": {"maskedPaths": ["d"]}}""");
        assertThat(OciSpecs.validate(spec)).extracting(ValidationError::path).containsExactly(
                "$.ociVersion", "$.mounts[0].destination", "$.mounts[1].destination", "$.process.cwd", "$.linux.maskedPaths[0]");
    }

    @Test
    void aJoinedUserNamespaceNeedsNoMappings() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/linux/namespaces/3/path", "\"/proc/1/ns/user\"");
        change(config, "/linux/uidMappings", REMOVE);
        change(config, "/linux/gidMappings", REMOVE);
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
    }

    @Test
    void aConsoleSizeWithoutTerminalIsIgnoredNotAnError() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/process/terminal", "false");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
    }

    @Test
    void commandLineStandsInForArgsOnlyOnWindows() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/process/args", REMOVE);
        change(config, "/process/commandLine", "\"cmd.exe\"");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).extracting(ValidationError::path)
                .containsExactly("$.process.args");
        change(config, "/windows", "{}");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
    }

    @Test
    void aRelativeMountDestinationIsDeprecatedButAllowed() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/mounts/0/destination", "\"proc\"");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
    }

    @Test
    void idmapWithoutMappingsNeedsAUserNamespace() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/mounts/0/options", "[\"rbind\", \"ridmap\"]");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
        change(config, "/linux/namespaces/3/type", "\"cgroup\"");
        change(config, "/linux/uidMappings", REMOVE);
        change(config, "/linux/gidMappings", REMOVE);
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).singleElement()
                .satisfies(e -> assertThat(e.path()).isEqualTo("$.mounts[0].options"));
    }

    @Test
    void aSystemdCgroupsPathIsAccepted() {
        ObjectNode config = (ObjectNode) OciSpecs.mapper().readTree(BASE);
        change(config, "/linux/cgroupsPath", "\"system.slice:gatun:box\"");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
        change(config, "/linux/cgroupsPath", "\":gatun:box\"");
        assertThat(OciSpecs.validate(OciSpecs.readConfig(config.toString()))).isEmpty();
    }

    @Test
    void aValidationErrorPrintsAsPathAndMessage() {
        assertThat(new ValidationError("$.a", "is required")).hasToString("$.a: is required");
    }

    /** Sets (or removes) the value at a JSON pointer; an index one past the end appends. */
    static void change(JsonNode root, String pointer, String value) {
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = root.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1).replace("~1", "/").replace("~0", "~");
        JsonNode node = REMOVE.equals(value) ? null : OciSpecs.mapper().readTree(value);
        if (parent instanceof ObjectNode object) {
            if (node == null) {
                object.remove(last);
            } else {
                object.set(last, node);
            }
        } else if (parent instanceof ArrayNode array) {
            int index = Integer.parseInt(last);
            if (node == null) {
                array.remove(index);
            } else if (index == array.size()) {
                array.add(node);
            } else {
                array.set(index, node);
            }
        } else {
            throw new IllegalArgumentException("no container at " + pointer);
        }
    }
}
