package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code runc spec} and {@code runc spec --rootless}. */
class ExamplesTest {

    @Test
    void theExampleIsValidAndPassesTheOfficialSchema() {
        Spec spec = OciSpecs.example();
        assertThat(OciSpecs.validate(spec)).isEmpty();
        assertThat(OfficialSchema.check(OfficialSchema.CONFIG, OciSpecs.mapper().readTree(OciSpecs.writeConfig(spec)))).isEmpty();
    }

    @Test
    void theExampleRunsShAsRootInAReadOnlyRootfsLikeRuncSpec() {
        Spec spec = OciSpecs.example();
        assertThat(spec.ociVersion()).isEqualTo(SpecVersion.CURRENT);
        assertThat(spec.root()).isEqualTo(new Root("rootfs", true));
        assertThat(spec.process().args()).containsExactly("sh");
        assertThat(spec.process().user().uid()).isZero();
        assertThat(spec.process().terminal()).isTrue();
        assertThat(spec.process().noNewPrivileges()).isTrue();
        assertThat(spec.process().capabilities().bounding()).containsExactly("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        assertThat(spec.process().rlimits()).containsExactly(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 1024L, 1024L));
        assertThat(spec.mounts()).extracting(Mount::destination)
                .containsExactly("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");
        assertThat(spec.linux().namespaces()).extracting(Linux.Namespace::type)
                .containsExactly("pid", "network", "ipc", "uts", "mount", "cgroup");
        assertThat(spec.linux().maskedPaths()).contains("/proc/kcore", "/sys/firmware");
        assertThat(spec.linux().readonlyPaths()).contains("/proc/sys", "/proc/sysrq-trigger");
        assertThat(spec.linux().resources().devices()).containsExactly(new Resources.DeviceRule(false, null, null, null, "rwm"));
    }

    @Test
    void theRootlessExampleMapsRootToTheCallerInANewUserNamespace() {
        Spec spec = OciSpecs.exampleRootless(1000, 1001);
        assertThat(OciSpecs.validate(spec)).isEmpty();
        assertThat(OfficialSchema.check(OfficialSchema.CONFIG, OciSpecs.mapper().readTree(OciSpecs.writeConfig(spec)))).isEmpty();
        assertThat(spec.linux().namespaces()).extracting(Linux.Namespace::type)
                .containsExactly("pid", "ipc", "uts", "mount", "cgroup", "user");
        assertThat(spec.linux().uidMappings()).containsExactly(new IdMapping(0L, 1000L, 1L));
        assertThat(spec.linux().gidMappings()).containsExactly(new IdMapping(0L, 1001L, 1L));
        assertThat(spec.linux().resources()).isNull();
        assertThat(spec.mounts()).filteredOn(m -> m.destination().equals("/sys")).singleElement().satisfies(sys -> {
            assertThat(sys.type()).isEqualTo("none");
            assertThat(sys.source()).isEqualTo("/sys");
            assertThat(MountOptions.parse(sys.options()).isRecursiveBind()).isTrue();
        });
        assertThat(spec.mounts()).filteredOn(m -> m.destination().equals("/dev/pts")).singleElement()
                .satisfies(pts -> assertThat(pts.options()).doesNotContain("gid=5").contains("newinstance"));
    }

    @Test
    void rootlessRefusesIdsOutsideUint32() {
        assertThatThrownBy(() -> OciSpecs.exampleRootless(-1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uid -1");
        assertThatThrownBy(() -> OciSpecs.exampleRootless(0, 1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
