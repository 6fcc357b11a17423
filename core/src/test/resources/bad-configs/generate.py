#!/usr/bin/env python3
"""Writes the bad config.json corpus: one file per case, NNN-name.json, each the base config
below with one thing broken. Run it from this directory after changing a case, then review the
diff of the .json files and write each case's exact error in expected.txt by hand (the test,
BadConfigCorpusKernelTest, compares against that file; this script never writes it).

Each case names the JSON path its error must name ("path"; for the few the kernel refuses, the
call's value, since the kernel's refusal names the syscall, not the JSON): the corpus test checks that
expected.txt's message for the case holds that path, so a reviewed expectation cannot drift to
another field unnoticed.
"""
import copy
import json
import os
import sys

BASE = {
    "ociVersion": "1.3.0",
    "root": {"path": "rootfs", "readonly": True},
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["/bin/true"],
        "env": ["PATH=/bin"],
        "cwd": "/",
        "capabilities": {
            "bounding": ["CAP_CHOWN", "CAP_KILL"],
            "effective": ["CAP_CHOWN", "CAP_KILL"],
            "permitted": ["CAP_CHOWN", "CAP_KILL"],
        },
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}],
        "noNewPrivileges": True,
    },
    "hostname": "gatun",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "size=1m"]},
    ],
    "linux": {
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
        "resources": {"pids": {"limit": 64}, "devices": [{"allow": False, "access": "rwm"}]},
        "sysctl": {"net.ipv4.ip_forward": "0"},
        "seccomp": {
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
            "syscalls": [
                {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 255, "op": "SCMP_CMP_NE"}]},
            ],
        },
        "maskedPaths": ["/proc/kcore"],
        "readonlyPaths": ["/proc/sys"],
    },
}

CASES = []

# Not in the corpus because Gatun accepts them on purpose, as runc does:
# - no process.user (the schema does not require it: uid 0, gid 0);
# - ".." in a mount destination or a masked path ("/../../etc", "/tmp/../../../etc"): resolved with
#   RESOLVE_IN_ROOT, so it stays inside the rootfs (/etc there), as runc's securejoin does;
# - an empty mount option, or "shared" then "private" (the last propagation wins);
# - a bind mount of the host's /proc/self/root (the source is the host's: the bundle's author's choice);
# - SCMP_CMP_MASKED_EQ without valueTwo (0, as libseccomp), two conditions on one argument (ANDed);
# - a fifo device with major and minor numbers (ignored); personality flags (not enumerated by the spec).


def case(name, path, mutate=None, text=None):
    """A case: mutate(doc) changes a copy of BASE in place; text replaces the whole file."""
    CASES.append((name, path, mutate, text))


def put(where, value):
    """A mutation that sets the value at a dotted path (list indexes as numbers)."""
    def m(doc):
        *head, last = where.split(".")
        node = doc
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return m


def drop(where):
    def m(doc):
        *head, last = where.split(".")
        node = doc
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        del node[int(last) if isinstance(node, list) else last]
    return m


def both(*ms):
    def m(doc):
        for f in ms:
            f(doc)
    return m


def base_text(**replace):
    return json.dumps(BASE, indent=2)


# ---- documents that are not JSON, or not one object
case("empty-file", "$", text="")
case("only-whitespace", "$", text="   \n\t\n")
case("top-level-array", "$", text="[]")
case("top-level-string", "$", text='"config"')
case("top-level-null", "$", text="null")
case("truncated-object", "$.root", text='{"ociVersion": "1.3.0", "root": {"path": "rootfs"')
case("truncated-string", "$.root.path", text='{"ociVersion": "1.3.0", "root": {"path": "roo')
case("trailing-document", "$", text='{"ociVersion": "1.3.0"} {}')
case("trailing-garbage", "$", text='{"ociVersion": "1.3.0"} x')
case("comment", "$", text='{// a comment\n"ociVersion": "1.3.0"}')
case("single-quotes", "$", text="{'ociVersion': '1.3.0'}")
case("unquoted-key", "$", text='{ociVersion: "1.3.0"}')
case("trailing-comma", "$", text='{"ociVersion": "1.3.0",}')
case("nan", "$.process", text='{"ociVersion": "1.3.0", "process": {"oomScoreAdj": NaN}}')
case("leading-zero", "$.process", text='{"ociVersion": "1.3.0", "process": {"oomScoreAdj": 010}}')
case("invalid-utf8", "$.hostname", text=b'{"ociVersion": "1.3.0", "hostname": "\xc3\x28"}')
case("control-char-in-string", "$.hostname", text='{"ociVersion": "1.3.0", "hostname": "a\x01b"}')
case("bad-escape", "$.hostname", text='{"ociVersion": "1.3.0", "hostname": "a\\qb"}')

# ---- duplicate keys: two parsers must never read one file two ways
case("duplicate-top-level-key", "$", text='{"ociVersion": "1.3.0", "hostname": "a", "hostname": "b"}')
case("duplicate-ociVersion", "$", text='{"ociVersion": "1.3.0", "ociVersion": "1.0.0"}')
case("duplicate-key-in-root", "$.root", text='{"ociVersion": "1.3.0", "root": {"path": "rootfs", "path": "/"}}')
case("duplicate-key-in-user", "$.process.user",
     text='{"ociVersion": "1.3.0", "process": {"user": {"uid": 1000, "uid": 0, "gid": 0}, "args": ["/bin/true"], "cwd": "/"}}')
case("duplicate-key-in-sysctl", "$.linux.sysctl",
     text='{"ociVersion": "1.3.0", "linux": {"sysctl": {"net.ipv4.ip_forward": "0", "net.ipv4.ip_forward": "1"}}}')
case("duplicate-key-in-annotations", "$.annotations",
     text='{"ociVersion": "1.3.0", "annotations": {"a": "1", "a": "2"}}')
case("duplicate-key-in-mount", "$.mounts[0]",
     text='{"ociVersion": "1.3.0", "mounts": [{"destination": "/tmp", "destination": "/etc", "type": "tmpfs"}]}')
case("duplicate-key-in-seccomp", "$.linux.seccomp",
     text='{"ociVersion": "1.3.0", "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "defaultAction": "SCMP_ACT_KILL"}}}')
case("duplicate-key-in-unknown-property", "$.x",
     text='{"ociVersion": "1.3.0", "x": {"k": 1, "k": 2}}')

# ---- the reader is bounded (limits of OciSpecs)
case("nesting-65-deep-in-unknown-property", "$.x", text='{"ociVersion": "1.3.0", "x": ' + "[" * 64 + "]" * 64 + "}")
case("nesting-1000-deep", "$.x", text='{"ociVersion": "1.3.0", "x": ' + "[" * 1000 + "]" * 1000 + "}")
case("nesting-deep-objects", "$.x", text='{"ociVersion": "1.3.0", "x": ' + '{"a":' * 80 + "1" + "}" * 80 + "}")
case("string-over-one-mebibyte", "$.hostname", text='{"ociVersion": "1.3.0", "hostname": "' + "a" * ((1 << 20) + 1) + '"}')
case("over-a-million-tokens", "$.x", text='{"ociVersion": "1.3.0", "x": [' + ",".join(["0"] * 1_000_001) + "]}")

# ---- schema: required fields and wrong types
case("no-ociVersion", "$.ociVersion", drop("ociVersion"))
case("ociVersion-number", "$.ociVersion", put("ociVersion", 1.3))
case("ociVersion-not-semver", "$.ociVersion", put("ociVersion", "one"))
case("ociVersion-major-2", "$.ociVersion", put("ociVersion", "2.0.0"))
case("ociVersion-empty", "$.ociVersion", put("ociVersion", ""))
case("root-string", "$.root", put("root", "rootfs"))
case("root-path-missing", "$.root.path", drop("root.path"))
case("root-path-empty", "$.root.path", put("root.path", ""))
case("root-path-number", "$.root.path", put("root.path", 1))
case("root-readonly-string", "$.root.readonly", put("root.readonly", "true"))
case("root-readonly-number", "$.root.readonly", put("root.readonly", 1))
case("process-string", "$.process", put("process", "/bin/true"))
case("process-args-string", "$.process.args", put("process.args", "/bin/true"))
case("process-args-empty", "$.process.args", put("process.args", []))
case("process-args-missing", "$.process.args", drop("process.args"))
case("process-args-number", "$.process.args[0]", put("process.args", [1]))
case("process-args-null-element", "$.process.args[1]", put("process.args", ["/bin/true", None]))
case("process-cwd-missing", "$.process.cwd", drop("process.cwd"))
case("process-cwd-relative", "$.process.cwd", put("process.cwd", "tmp"))
case("process-cwd-number", "$.process.cwd", put("process.cwd", 0))
case("process-env-string", "$.process.env", put("process.env", "PATH=/bin"))
case("process-env-number-element", "$.process.env[0]", put("process.env", [7]))
case("process-env-no-equals", "$.process.env[1]", put("process.env", ["PATH=/bin", "JUSTANAME"]))
case("process-env-empty-name", "$.process.env[0]", put("process.env", ["=value"]))
case("process-terminal-string", "$.process.terminal", put("process.terminal", "false"))
case("process-user-uid-string", "$.process.user.uid", put("process.user.uid", "0"))
case("process-user-uid-negative", "$.process.user.uid", put("process.user.uid", -1))
case("process-user-uid-float", "$.process.user.uid", put("process.user.uid", 0.5))
case("process-user-uid-2-to-32", "$.process.user.uid", put("process.user.uid", 4294967296))
case("process-user-gid-2-to-32", "$.process.user.gid", put("process.user.gid", 4294967296))
case("process-user-additionalGids-string", "$.process.user.additionalGids", put("process.user.additionalGids", "1"))
case("process-user-additionalGids-negative", "$.process.user.additionalGids[0]", put("process.user.additionalGids", [-3]))
case("process-user-umask-over-0777", "$.process.user.umask", put("process.user.umask", 4096))
case("process-user-umask-negative", "$.process.user.umask", put("process.user.umask", -1))
case("process-oomScoreAdj-1001", "$.process.oomScoreAdj", put("process.oomScoreAdj", 1001))
case("process-oomScoreAdj-minus-1001", "$.process.oomScoreAdj", put("process.oomScoreAdj", -1001))
case("process-oomScoreAdj-float", "$.process.oomScoreAdj", put("process.oomScoreAdj", 1.5))
case("process-oomScoreAdj-huge", "$.process.oomScoreAdj", put("process.oomScoreAdj", 99999999999))
case("process-consoleSize-negative", "$.process.consoleSize.height", put("process.consoleSize", {"height": -1, "width": 80}))
case("process-noNewPrivileges-string", "$.process.noNewPrivileges", put("process.noNewPrivileges", "yes"))
case("process-ioPriority-bad-class", "$.process.ioPriority.class", put("process.ioPriority", {"class": "IOPRIO_CLASS_FAST", "priority": 1}))
case("process-ioPriority-priority-8", "$.process.ioPriority.priority", put("process.ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 8}))
case("process-scheduler-bad-policy", "$.process.scheduler.policy", put("process.scheduler", {"policy": "SCHED_FAST"}))
case("process-scheduler-bad-flag", "$.process.scheduler.flags[0]", put("process.scheduler", {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_NOPE"]}))
case("process-scheduler-nice-20", "$.process.scheduler.nice", put("process.scheduler", {"policy": "SCHED_OTHER", "nice": 20}))
case("process-execCPUAffinity-garbage", "$.process.execCPUAffinity.initial", put("process.execCPUAffinity", {"initial": "zero-three"}))
case("hostname-number", "$.hostname", put("hostname", 42))
case("hostname-without-uts-namespace", "$.hostname",
     put("linux.namespaces", [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "mount"}]))
case("domainname-without-uts-namespace", "$.domainname",
     both(drop("hostname"), put("domainname", "example.org"),
          put("linux.namespaces", [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "mount"}])))
case("hostname-65-characters", "$.hostname", put("hostname", "h" * 65))
case("annotations-list", "$.annotations", put("annotations", ["a=b"]))
case("annotations-number-value", "$.annotations.a", put("annotations", {"a": 1}))
case("annotations-null-value", "$.annotations.a", put("annotations", {"a": None}))
case("annotations-empty-key", "$.annotations", put("annotations", {"": "v"}))
case("linux-string", "$.linux", put("linux", "yes"))

# ---- mounts
case("mounts-object", "$.mounts", put("mounts", {"destination": "/tmp"}))
case("mount-destination-missing", "$.mounts[2].destination", drop("mounts.2.destination"))
case("mount-destination-relative", "$.mounts[2].destination", put("mounts.2.destination", "tmp"))
case("mount-destination-empty", "$.mounts[2].destination", put("mounts.2.destination", ""))
case("mount-destination-nul", "$.mounts[2].destination", put("mounts.2.destination", "/tmp\u0000/x"))
case("mount-destination-number", "$.mounts[2].destination", put("mounts.2.destination", 5))
case("mount-destination-proc-self-root", "$.mounts[2].destination", put("mounts.2.destination", "/proc/self/root/tmp/x"))
case("mount-destination-proc-sys", "$.mounts[2].destination", put("mounts.2.destination", "/proc/sys/kernel"))
case("mount-destination-proc-1-root", "$.mounts[2].destination", put("mounts.2.destination", "/proc/1/root/etc"))
case("mount-options-string", "$.mounts[2].options", put("mounts.2.options", "nosuid,nodev"))
case("mount-options-number", "$.mounts[2].options[0]", put("mounts.2.options", [1]))
case("mount-options-null", "$.mounts[2].options[0]", put("mounts.2.options", [None]))
case("mount-option-unknown", '"nosuchoption"', put("mounts.2.options", ["nosuid", "nosuchoption"]))
case("mount-option-idmap-bad", '"idmap=uids=0-1-2"', put("mounts.2.options", ["idmap=uids=0-1-2"]))
case("mount-type-number", "$.mounts[2].type", put("mounts.2.type", 9))
case("mount-type-unknown-filesystem", '"nosuchfs"', put("mounts.2.type", "nosuchfs"))
case("mount-bind-source-missing", "$.mounts[2].source",
     put("mounts.2", {"destination": "/mnt", "type": "bind", "source": "/no/such/source", "options": ["rbind", "ro"]}))
case("mount-bind-no-source", "$.mounts[2].source",
     put("mounts.2", {"destination": "/mnt", "type": "bind", "options": ["rbind"]}))
case("mount-uidMappings-without-idmap", "$.mounts[2].gidMappings",
     put("mounts.2.uidMappings", [{"containerID": 0, "hostID": 1000, "size": 1}]))
case("mount-uidMappings-size-zero", "$.mounts[2].uidMappings[0].size",
     both(put("mounts.2.uidMappings", [{"containerID": 0, "hostID": 1000, "size": 0}]),
          put("mounts.2.gidMappings", [{"containerID": 0, "hostID": 1000, "size": 1}])))
case("mount-null-element", "$.mounts[3]", lambda d: d["mounts"].append(None))
case("mount-string-element", "$.mounts[3]", lambda d: d["mounts"].append("/tmp"))
case("mount-tmpfs-size-garbage", '"size=lots"', put("mounts.2.options", ["nosuid", "nodev", "size=lots"]))
case("mount-destination-is-root", "$.mounts[2].destination", put("mounts.2.destination", "/"))

# ---- namespaces and ID mappings
case("namespaces-object", "$.linux.namespaces", put("linux.namespaces", {"type": "pid"}))
case("namespace-unknown", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({"type": "pidd"}))
case("namespace-type-uppercase", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({"type": "USER"}))
case("namespace-type-empty", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({"type": ""}))
case("namespace-type-missing", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({}))
case("namespace-type-number", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({"type": 1}))
case("namespace-duplicate", "$.linux.namespaces[5].type", lambda d: d["linux"]["namespaces"].append({"type": "pid"}))
case("namespace-path-relative", "$.linux.namespaces[0].path", put("linux.namespaces.0", {"type": "pid", "path": "proc/1/ns/pid"}))
case("namespace-path-missing-file", '"/no/such/ns"', put("linux.namespaces.2", {"type": "ipc", "path": "/no/such/ns"}))
case("namespace-path-not-a-namespace", "</etc/hostname>, CLONE_NEWIPC", put("linux.namespaces.2", {"type": "ipc", "path": "/etc/hostname"}))
case("namespace-path-wrong-kind", "$.linux.namespaces", put("linux.namespaces.2", {"type": "ipc", "path": "/proc/self/ns/uts"}))
case("namespace-path-number", "$.linux.namespaces[0].path", put("linux.namespaces.0", {"type": "pid", "path": 1}))
case("uidMappings-without-user-namespace", "$.linux.uidMappings",
     both(put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 65536}])))
USERNS = lambda d: d["linux"]["namespaces"].append({"type": "user"})
case("user-namespace-without-mappings", "$.linux.uidMappings", USERNS)
case("uidMapping-size-zero", "$.linux.uidMappings[0].size",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 0}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("uidMapping-size-negative", "$.linux.uidMappings[0].size",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": -1}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("uidMapping-overflows-2-to-32", "$.linux.uidMappings[0].size",
     both(USERNS, put("linux.uidMappings", [{"containerID": 4294967295, "hostID": 0, "size": 2}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("gidMapping-hostID-over-uint32", "$.linux.gidMappings[0].hostID",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 9999999999, "size": 1}])))
case("uidMappings-overlap-in-container", "$.linux.uidMappings[1]",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 10},
                                             {"containerID": 5, "hostID": 200000, "size": 10}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("uidMappings-overlap-on-host", "$.linux.uidMappings[1]",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "hostID": 100000, "size": 10},
                                             {"containerID": 100, "hostID": 100005, "size": 10}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("uidMapping-missing-hostID", "$.linux.uidMappings[0].hostID",
     both(USERNS, put("linux.uidMappings", [{"containerID": 0, "size": 1}]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("uidMapping-string-containerID", "$.linux.uidMappings[0].containerID",
     both(USERNS, put("linux.uidMappings", [{"containerID": "0", "hostID": 1, "size": 1}])))
case("uidMappings-341-entries", "$.linux.uidMappings",
     both(USERNS, put("linux.uidMappings", [{"containerID": i, "hostID": 100000 + i, "size": 1} for i in range(341)]),
          put("linux.gidMappings", [{"containerID": 0, "hostID": 100000, "size": 1}])))
case("time-namespace-offsets-bad-clock", "$.linux.timeOffsets",
     both(lambda d: d["linux"]["namespaces"].append({"type": "time"}),
          put("linux.timeOffsets", {"realtime": {"secs": 1, "nanosecs": 0}})))
case("timeOffsets-without-time-namespace", "$.linux.timeOffsets",
     put("linux.timeOffsets", {"monotonic": {"secs": 1, "nanosecs": 0}}))
case("timeOffsets-nanosecs-too-big", "$.linux.timeOffsets.monotonic.nanosecs",
     both(lambda d: d["linux"]["namespaces"].append({"type": "time"}),
          put("linux.timeOffsets", {"monotonic": {"secs": 1, "nanosecs": 1000000000}})))

# ---- capabilities
case("capability-unknown", "$.process.capabilities.bounding[2]", put("process.capabilities.bounding", ["CAP_CHOWN", "CAP_KILL", "CAP_FLY"]))
case("capability-lowercase", "$.process.capabilities.effective[0]", put("process.capabilities.effective", ["cap_chown"]))
case("capability-without-prefix", "$.process.capabilities.permitted[0]", put("process.capabilities.permitted", ["CHOWN", "KILL"]))
case("capability-empty-string", "$.process.capabilities.bounding[0]", put("process.capabilities.bounding", [""]))
case("capability-number", "$.process.capabilities.bounding[0]", put("process.capabilities.bounding", [0]))
case("capability-null", "$.process.capabilities.bounding[0]", put("process.capabilities.bounding", [None]))
case("capability-list-is-string", "$.process.capabilities.bounding", put("process.capabilities.bounding", "CAP_CHOWN"))
case("capability-with-space", "$.process.capabilities.inheritable[0]", put("process.capabilities.inheritable", [" CAP_CHOWN"]))
case("capability-number-out-of-range-name", "$.process.capabilities.ambient[0]", put("process.capabilities.ambient", ["CAP_64"]))
case("capabilities-object-is-list", "$.process.capabilities", put("process.capabilities", ["CAP_CHOWN"]))
case("capability-ambient-not-permitted", "inheritable=[CAP_NET_RAW]",
     both(put("process.capabilities.ambient", ["CAP_NET_RAW"]), put("process.capabilities.inheritable", ["CAP_NET_RAW"])))
case("capability-effective-not-permitted", "$.process.capabilities",
     put("process.capabilities.effective", ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"]))

# ---- rlimits
case("rlimit-unknown-type", "$.process.rlimits[0].type", put("process.rlimits", [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]))
case("rlimit-lowercase-type", "$.process.rlimits[0].type", put("process.rlimits", [{"type": "rlimit_nofile", "soft": 1, "hard": 1}]))
case("rlimit-type-without-prefix", "$.process.rlimits[0].type", put("process.rlimits", [{"type": "NOFILE", "soft": 1, "hard": 1}]))
case("rlimit-type-missing", "$.process.rlimits[0].type", put("process.rlimits", [{"soft": 1, "hard": 1}]))
case("rlimit-type-number", "$.process.rlimits[0].type", put("process.rlimits", [{"type": 7, "soft": 1, "hard": 1}]))
case("rlimit-soft-above-hard", "$.process.rlimits[0]", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]))
case("rlimit-soft-negative", "$.process.rlimits[0].soft", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1024}]))
case("rlimit-hard-over-uint64", "$.process.rlimits[0].hard", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 18446744073709551616}]))
case("rlimit-soft-string", "$.process.rlimits[0].soft", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": "1024", "hard": 1024}]))
case("rlimit-soft-float", "$.process.rlimits[0].soft", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1.5, "hard": 1024}]))
case("rlimit-soft-missing", "$.process.rlimits[0].soft", put("process.rlimits", [{"type": "RLIMIT_NOFILE", "hard": 1024}]))
case("rlimit-duplicate-type", "$.process.rlimits[1].type",
     put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}, {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]))
case("rlimits-object", "$.process.rlimits", put("process.rlimits", {"RLIMIT_NOFILE": 1}))
case("rlimit-nofile-above-nr-open", "RLIMIT_NOFILE, 1099511627776",
     put("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 1099511627776, "hard": 1099511627776}]))

# ---- seccomp
case("seccomp-default-action-missing", "$.linux.seccomp.defaultAction", drop("linux.seccomp.defaultAction"))
case("seccomp-default-action-unknown", "$.linux.seccomp.defaultAction", put("linux.seccomp.defaultAction", "SCMP_ACT_MAYBE"))
case("seccomp-default-action-lowercase", "$.linux.seccomp.defaultAction", put("linux.seccomp.defaultAction", "scmp_act_allow"))
case("seccomp-action-unknown", "$.linux.seccomp.syscalls[0].action", put("linux.seccomp.syscalls.0.action", "SCMP_ACT_EXPLODE"))
case("seccomp-action-missing", "$.linux.seccomp.syscalls[0].action", drop("linux.seccomp.syscalls.0.action"))
case("seccomp-syscall-unknown", "$.linux.seccomp.syscalls[0].names[0]", put("linux.seccomp.syscalls.0.names", ["no_such_syscall"]))
case("seccomp-syscall-unknown-second", "$.linux.seccomp.syscalls[0].names[1]", put("linux.seccomp.syscalls.0.names", ["kexec_load", "kexec_lode"]))
case("seccomp-syscall-uppercase", "$.linux.seccomp.syscalls[0].names[0]", put("linux.seccomp.syscalls.0.names", ["KEXEC_LOAD"]))
case("seccomp-syscall-empty-name", "$.linux.seccomp.syscalls[0].names[0]", put("linux.seccomp.syscalls.0.names", [""]))
case("seccomp-syscall-number-name", "$.linux.seccomp.syscalls[0].names[0]", put("linux.seccomp.syscalls.0.names", [246]))
case("seccomp-names-empty", "$.linux.seccomp.syscalls[0].names", put("linux.seccomp.syscalls.0.names", []))
case("seccomp-names-missing", "$.linux.seccomp.syscalls[0].names", drop("linux.seccomp.syscalls.0.names"))
case("seccomp-names-string", "$.linux.seccomp.syscalls[0].names", put("linux.seccomp.syscalls.0.names", "kexec_load"))
case("seccomp-arg-index-6", "$.linux.seccomp.syscalls[1].args[0].index", put("linux.seccomp.syscalls.1.args.0.index", 6))
case("seccomp-arg-index-negative", "$.linux.seccomp.syscalls[1].args[0].index", put("linux.seccomp.syscalls.1.args.0.index", -1))
case("seccomp-arg-op-unknown", "$.linux.seccomp.syscalls[1].args[0].op", put("linux.seccomp.syscalls.1.args.0.op", "SCMP_CMP_ROUGHLY"))
case("seccomp-arg-op-missing", "$.linux.seccomp.syscalls[1].args[0].op", drop("linux.seccomp.syscalls.1.args.0.op"))
case("seccomp-arg-value-negative", "$.linux.seccomp.syscalls[1].args[0].value", put("linux.seccomp.syscalls.1.args.0.value", -1))
case("seccomp-arg-value-over-uint64", "$.linux.seccomp.syscalls[1].args[0].value", put("linux.seccomp.syscalls.1.args.0.value", 18446744073709551616))
case("seccomp-arg-value-string", "$.linux.seccomp.syscalls[1].args[0].value", put("linux.seccomp.syscalls.1.args.0.value", "255"))
case("seccomp-args-object", "$.linux.seccomp.syscalls[1].args", put("linux.seccomp.syscalls.1.args", {"index": 0}))
case("seccomp-architecture-unknown", "$.linux.seccomp.architectures[0]", put("linux.seccomp.architectures", ["SCMP_ARCH_Z80"]))
case("seccomp-architecture-number", "$.linux.seccomp.architectures[0]", put("linux.seccomp.architectures", [62]))
case("seccomp-flag-unknown", "$.linux.seccomp.flags[0]", put("linux.seccomp.flags", ["SECCOMP_FILTER_FLAG_TURBO"]))
case("seccomp-errnoRet-on-allow", "$.linux.seccomp.syscalls[0].errnoRet",
     put("linux.seccomp.syscalls.0", {"names": ["kexec_load"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}))
case("seccomp-errnoRet-negative", "$.linux.seccomp.syscalls[0].errnoRet", put("linux.seccomp.syscalls.0.errnoRet", -1))
case("seccomp-errnoRet-over-uint32", "$.linux.seccomp.syscalls[0].errnoRet", put("linux.seccomp.syscalls.0.errnoRet", 4294967296))
case("seccomp-defaultErrnoRet-on-allow", "$.linux.seccomp.defaultErrnoRet", put("linux.seccomp.defaultErrnoRet", 1))
case("seccomp-notify-without-listenerPath", "$.linux.seccomp.listenerPath", put("linux.seccomp.syscalls.0.action", "SCMP_ACT_NOTIFY"))
case("seccomp-listenerPath-relative", "$.linux.seccomp.listenerPath",
     both(put("linux.seccomp.syscalls.0.action", "SCMP_ACT_NOTIFY"), drop("linux.seccomp.syscalls.0.errnoRet"),
          put("linux.seccomp.listenerPath", "agent.sock")))
case("seccomp-notify-on-default", "$.linux.seccomp.listenerPath", put("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY"))
case("seccomp-syscalls-object", "$.linux.seccomp.syscalls", put("linux.seccomp.syscalls", {"names": ["kexec_load"]}))
case("seccomp-string", "$.linux.seccomp", put("linux.seccomp", "default"))
case("seccomp-trace-errnoRet", "$.linux.seccomp.syscalls[0].errnoRet", put("linux.seccomp.syscalls.0.action", "SCMP_ACT_KILL"))

# ---- devices
DEV = {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}
def dev(**over):
    d = dict(DEV)
    for k, v in over.items():
        if v is None:
            d.pop(k)
        else:
            d[k] = v
    return put("linux.devices", [d])
case("device-type-unknown", "$.linux.devices[0].type", dev(type="x"))
case("device-type-missing", "$.linux.devices[0].type", dev(type=None))
case("device-path-relative", "$.linux.devices[0].path", dev(path="dev/fuse"))
case("device-path-missing", "$.linux.devices[0].path", dev(path=None))
case("device-path-escapes", "$.linux.devices[0].path", dev(path="/dev/../etc/shadow"))
case("device-path-outside-dev", "$.linux.devices[0].path", dev(path="/etc/fuse"))
case("device-major-negative", "$.linux.devices[0].major", dev(major=-1))
case("device-minor-string", "$.linux.devices[0].minor", dev(minor="229"))
case("device-char-without-major", "$.linux.devices[0].major", dev(major=None))
case("device-fileMode-over-07777", "$.linux.devices[0].fileMode", dev(fileMode=65536))
case("device-uid-negative", "$.linux.devices[0].uid", dev(uid=-1))
case("device-duplicate-path", "$.linux.devices[1].path", put("linux.devices", [DEV, DEV]))
case("devices-object", "$.linux.devices", put("linux.devices", DEV))
case("device-rule-access-unknown", "$.linux.resources.devices[0].access", put("linux.resources.devices.0.access", "rwz"))
case("device-rule-type-unknown", "$.linux.resources.devices[1].type",
     lambda d: d["linux"]["resources"]["devices"].append({"allow": True, "type": "q", "major": 1, "minor": 3, "access": "rw"}))
case("device-rule-allow-missing", "$.linux.resources.devices[0].allow", put("linux.resources.devices.0", {"access": "rwm"}))
case("device-rule-allow-string", "$.linux.resources.devices[0].allow", put("linux.resources.devices.0.allow", "false"))
case("device-rule-major-minus-2", "$.linux.resources.devices[1].major",
     lambda d: d["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": -2, "minor": 3, "access": "rw"}))

# ---- hooks
HOOK = {"path": "/bin/true"}
case("hooks-list", "$.hooks", put("hooks", [HOOK]))
case("hook-path-missing", "$.hooks.prestart[0].path", put("hooks", {"prestart": [{"args": ["x"]}]}))
case("hook-path-relative", "$.hooks.createRuntime[0].path", put("hooks", {"createRuntime": [{"path": "bin/hook"}]}))
case("hook-path-empty", "$.hooks.poststart[0].path", put("hooks", {"poststart": [{"path": ""}]}))
case("hook-path-number", "$.hooks.poststop[0].path", put("hooks", {"poststop": [{"path": 1}]}))
case("hook-timeout-zero", "$.hooks.prestart[0].timeout", put("hooks", {"prestart": [{"path": "/bin/true", "timeout": 0}]}))
case("hook-timeout-negative", "$.hooks.prestart[0].timeout", put("hooks", {"prestart": [{"path": "/bin/true", "timeout": -5}]}))
case("hook-timeout-string", "$.hooks.prestart[0].timeout", put("hooks", {"prestart": [{"path": "/bin/true", "timeout": "5s"}]}))
case("hook-args-string", "$.hooks.prestart[0].args", put("hooks", {"prestart": [{"path": "/bin/true", "args": "true"}]}))
case("hook-env-no-equals", "$.hooks.prestart[0].env[0]", put("hooks", {"prestart": [{"path": "/bin/true", "env": ["NOEQUALS"]}]}))
case("hook-env-number", "$.hooks.prestart[0].env[0]", put("hooks", {"prestart": [{"path": "/bin/true", "env": [1]}]}))
case("hook-kind-is-object", "$.hooks.prestart", put("hooks", {"prestart": HOOK}))
case("hook-null-element", "$.hooks.createContainer[0]", put("hooks", {"createContainer": [None]}))
case("hook-program-missing", '"/no/such/hook"', put("hooks", {"createRuntime": [{"path": "/no/such/hook"}]}))
case("hook-startContainer-path-relative", "$.hooks.startContainer[0].path", put("hooks", {"startContainer": [{"path": "hook"}]}))

# ---- sysctls: only the container's own namespaces' values
def sysctl(key, value="1", ns=None):
    ms = [put("linux.sysctl", {key: value})]
    if ns is not None:
        ms.append(put("linux.namespaces", ns))
    return both(*ms)
for key in ["kernel.core_pattern", "kernel.modprobe", "vm.swappiness", "vm.overcommit_memory", "kernel.panic",
            "fs.file-max", "kernel.pid_max", "kernel.printk_ratelimit_burst", "kernel.randomize_va_space",
            "user.max_user_namespaces", "kernel.unprivileged_bpf_disabled", "dev.tty.ldisc_autoload",
            "abi.vsyscall32", "kernel.sysrq", "fs.protected_symlinks", "vm.drop_caches", "kernel.yama.ptrace_scope",
            "kernel.keys.maxkeys", "fs.suid_dumpable", "kernel.ns_last_pid"]:
    case("sysctl-host-global-" + key.replace(".", "-").replace("_", "-"), '$.linux.sysctl["' + key + '"]', sysctl(key))
NO_NET = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
NO_IPC = [{"type": "pid"}, {"type": "network"}, {"type": "uts"}, {"type": "mount"}]
case("sysctl-net-without-network-namespace", '$.linux.sysctl["net.ipv4.ip_forward"]', sysctl("net.ipv4.ip_forward", ns=NO_NET))
case("sysctl-net-core-without-network-namespace", '$.linux.sysctl["net.core.somaxconn"]', sysctl("net.core.somaxconn", "128", ns=NO_NET))
case("sysctl-shmmax-without-ipc-namespace", '$.linux.sysctl["kernel.shmmax"]', sysctl("kernel.shmmax", "1048576", ns=NO_IPC))
case("sysctl-mqueue-without-ipc-namespace", '$.linux.sysctl["fs.mqueue.msg_max"]', sysctl("fs.mqueue.msg_max", "10", ns=NO_IPC))
case("sysctl-hostname-without-uts-namespace", '$.linux.sysctl["kernel.hostname"]',
     both(drop("hostname"), sysctl("kernel.hostname", "x", ns=[{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "mount"}])))
case("sysctl-name-with-slash", '$.linux.sysctl["net/ipv4/ip_forward"]', sysctl("net/ipv4/ip_forward"))
case("sysctl-name-dotdot", "$.linux.sysctl['net.ipv4....kernel.core_pattern']", sysctl("net.ipv4....kernel.core_pattern"))
case("sysctl-name-climbs", "$.linux.sysctl['net.../../kernel/core_pattern']", sysctl("net.../../kernel/core_pattern"))
case("sysctl-name-single-part", '$.linux.sysctl["net"]', sysctl("net"))
case("sysctl-name-empty", "$.linux.sysctl['']", sysctl(""))
case("sysctl-name-trailing-dot", "$.linux.sysctl['net.ipv4.']", sysctl("net.ipv4."))
case("sysctl-name-with-space", '$.linux.sysctl["net.ipv4.ip forward"]', sysctl("net.ipv4.ip forward"))
case("sysctl-value-number", "$.linux.sysctl['net.ipv4.ip_forward']", put("linux.sysctl", {"net.ipv4.ip_forward": 1}))
case("sysctl-value-null", "$.linux.sysctl['net.ipv4.ip_forward']", put("linux.sysctl", {"net.ipv4.ip_forward": None}))
case("sysctl-list", "$.linux.sysctl", put("linux.sysctl", ["net.ipv4.ip_forward=1"]))

# ---- resources
case("pids-limit-string", "$.linux.resources.pids.limit", put("linux.resources.pids.limit", "64"))
case("pids-limit-float", "$.linux.resources.pids.limit", put("linux.resources.pids.limit", 6.4))
case("memory-limit-over-int64", "$.linux.resources.memory.limit", put("linux.resources.memory", {"limit": 9223372036854775808}))
case("memory-limit-negative", "$.linux.resources.memory.limit", put("linux.resources.memory", {"limit": -2}))
case("memory-swap-below-limit", "$.linux.resources.memory.swap", put("linux.resources.memory", {"limit": 1048576, "swap": 1024}))
case("memory-swappiness-101", "$.linux.resources.memory.swappiness", put("linux.resources.memory", {"swappiness": 101}))
case("memory-limit-string", "$.linux.resources.memory.limit", put("linux.resources.memory", {"limit": "1g"}))
case("cpu-shares-negative", "$.linux.resources.cpu.shares", put("linux.resources.cpu", {"shares": -1}))
# cpu.period 0 is no bad input: runc reads it as unset, and so does Gatun (CpuPeriodZeroKernelTest)
case("cpu-cpus-garbage", "$.linux.resources.cpu.cpus", put("linux.resources.cpu", {"cpus": "zero"}))
case("cpu-cpus-reversed-range", "$.linux.resources.cpu.cpus", put("linux.resources.cpu", {"cpus": "3-1"}))
case("cpu-mems-garbage", "$.linux.resources.cpu.mems", put("linux.resources.cpu", {"mems": "0,,1"}))
case("cpu-idle-2", "$.linux.resources.cpu.idle", put("linux.resources.cpu", {"idle": 2}))
case("blkio-weight-5", "$.linux.resources.blockIO.weight", put("linux.resources.blockIO", {"weight": 5}))
case("blkio-weight-1001", "$.linux.resources.blockIO.weight", put("linux.resources.blockIO", {"weight": 1001}))
case("blkio-weightDevice-negative-major", "$.linux.resources.blockIO.weightDevice[0].major",
     put("linux.resources.blockIO", {"weightDevice": [{"major": -8, "minor": 0, "weight": 500}]}))
case("blkio-throttle-missing-rate", "$.linux.resources.blockIO.throttleReadBpsDevice[0].rate",
     put("linux.resources.blockIO", {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}))
case("hugepage-size-garbage", "$.linux.resources.hugepageLimits[0].pageSize",
     put("linux.resources.hugepageLimits", [{"pageSize": "3XB", "limit": 0}]))
case("hugepage-limit-missing", "$.linux.resources.hugepageLimits[0].limit",
     put("linux.resources.hugepageLimits", [{"pageSize": "2MB"}]))
case("network-priority-negative", "$.linux.resources.network.priorities[0].priority",
     put("linux.resources.network", {"priorities": [{"name": "eth0", "priority": -1}]}))
case("unified-key-climbs", "$.linux.resources.unified['../../cgroup.procs']", put("linux.resources.unified", {"../../cgroup.procs": "1"}))
case("unified-key-with-slash", "$.linux.resources.unified['memory/max']", put("linux.resources.unified", {"memory/max": "1"}))
case("unified-key-cgroup-procs", "$.linux.resources.unified['cgroup.procs']", put("linux.resources.unified", {"cgroup.procs": "1"}))
case("unified-value-number", "$.linux.resources.unified['memory.max']", put("linux.resources.unified", {"memory.max": 1}))
case("rdma-limit-negative", "$.linux.resources.rdma.mlx5_0.hcaHandles",
     put("linux.resources.rdma", {"mlx5_0": {"hcaHandles": -1}}))
case("resources-list", "$.linux.resources", put("linux.resources", []))

# ---- other linux fields
case("cgroupsPath-climbs", "$.linux.cgroupsPath", put("linux.cgroupsPath", "../../../escape"))
case("cgroupsPath-absolute-climbs", "$.linux.cgroupsPath", put("linux.cgroupsPath", "/../../escape"))
case("cgroupsPath-number", "$.linux.cgroupsPath", put("linux.cgroupsPath", 7))
case("rootfsPropagation-unknown", "$.linux.rootfsPropagation", put("linux.rootfsPropagation", "bogus"))
case("maskedPaths-relative", "$.linux.maskedPaths[0]", put("linux.maskedPaths", ["proc/kcore"]))
case("maskedPaths-number", "$.linux.maskedPaths[0]", put("linux.maskedPaths", [1]))
case("readonlyPaths-relative", "$.linux.readonlyPaths[0]", put("linux.readonlyPaths", ["proc/sys"]))
case("readonlyPaths-empty", "$.linux.readonlyPaths[0]", put("linux.readonlyPaths", [""]))
case("personality-bad-domain", "$.linux.personality.domain", put("linux.personality", {"domain": "LINUX64"}))
case("intelRdt-closID-climbs", "$.linux.intelRdt.closID", put("linux.intelRdt", {"closID": "../.."}))
case("memoryPolicy-bad-mode", "$.linux.memoryPolicy.mode", put("linux.memoryPolicy", {"mode": "MPOL_WHATEVER", "nodes": "0"}))
case("netDevices-bad-name", "$.linux.netDevices['../eth0']", put("linux.netDevices", {"../eth0": {}}))
case("mountLabel-number", "$.linux.mountLabel", put("linux.mountLabel", 0))
case("process-apparmorProfile-number", "$.process.apparmorProfile", put("process.apparmorProfile", 1))
case("process-selinuxLabel-number", "$.process.selinuxLabel", put("process.selinuxLabel", 1))
case("uidMappings-object", "$.linux.uidMappings", both(USERNS, put("linux.uidMappings", {"containerID": 0})))
case("gidMappings-null-element", "$.linux.gidMappings[0]", both(USERNS, put("linux.gidMappings", [None])))

# ---- added after the first review (appended, so that the numbers above stay)
case("seccomp-errnoRet-4096", "$.linux.seccomp.syscalls[0].errnoRet", put("linux.seccomp.syscalls.0.errnoRet", 4096))
case("capability-look-alike", "$.process.capabilities.bounding[0]", put("process.capabilities.bounding", ["CAP_\u017fYS_ADMIN"]))
case("rlimit-look-alike", "$.process.rlimits[0].type", put("process.rlimits", [{"type": "RLIMIT_NOF\u0131LE", "soft": 1, "hard": 1}]))

case("root-path-missing-directory", "no-such-rootfs", put("root.path", "no-such-rootfs"))
case("root-path-is-a-file", "config.json", put("root.path", "config.json"))
case("root-path-nul", "$.root.path", put("root.path", "root\u0000fs"))
case("process-program-missing", "/bin/no-such-program", put("process.args", ["/bin/no-such-program"]))
case("process-program-not-executable", "/etc/passwd", put("process.args", ["/etc/passwd"]))
case("process-args-nul", "$.process.args[0]", put("process.args", ["/bin/true\u0000x"]))
case("process-cwd-nul", "$.process.cwd", put("process.cwd", "/tmp\u0000x"))
case("process-cwd-is-a-file", "/etc/passwd", put("process.cwd", "/etc/passwd"))
case("mount-bind-source-nul", "$.mounts[2].source",
     put("mounts.2", {"destination": "/mnt", "type": "bind", "source": "/tmp\u0000x", "options": ["rbind"]}))
case("hook-path-nul", "$.hooks.prestart[0].path", put("hooks", {"prestart": [{"path": "/bin/true\u0000x"}]}))
case("device-path-nul", "$.linux.devices[0].path", dev(path="/dev/fu\u0000se"))
case("maskedPaths-nul", "$.linux.maskedPaths[0]", put("linux.maskedPaths", ["/proc/kc\u0000ore"]))
case("readonlyPaths-nul", "$.linux.readonlyPaths[0]", put("linux.readonlyPaths", ["/proc/s\u0000ys"]))
case("sysctl-value-nul", "$.linux.sysctl['net.ipv4.ip_forward']", put("linux.sysctl", {"net.ipv4.ip_forward": "0\u0000"}))
case("hostname-nul", "$.hostname", put("hostname", "gat\u0000un"))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for f in os.listdir(here):
        if f.endswith(".json"):
            os.remove(os.path.join(here, f))
    names = set()
    with open(os.path.join(here, "paths.txt"), "w") as paths:
        paths.write("# written by generate.py: each case's file and the JSON path its error must name\n")
        for i, (name, path, mutate, text) in enumerate(CASES, 1):
            if name in names:
                sys.exit("duplicate case name " + name)
            names.add(name)
            file = "%03d-%s.json" % (i, name)
            if text is None:
                doc = copy.deepcopy(BASE)
                mutate(doc)
                text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            with open(os.path.join(here, file), "wb") as out:
                out.write(data)
            paths.write(file + "\t" + path + "\n")
    with open(os.path.join(here, "base.config.json.txt"), "w") as out:
        out.write(json.dumps(BASE, indent=2) + "\n")
    print(len(CASES), "cases")


if __name__ == "__main__":
    main()
