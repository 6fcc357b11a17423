package dev.gatun.oci;

import static dev.gatun.oci.MountOptions.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MountOptionsTest {

    /** options, expected MS_* flags, expected cleared flags. */
    static Stream<Arguments> flagOptions() {
        return Stream.of(
                Arguments.of("ro", MS_RDONLY, 0L),
                Arguments.of("rw", 0L, MS_RDONLY),
                Arguments.of("ro,rw", 0L, MS_RDONLY),
                Arguments.of("rw,ro", MS_RDONLY, 0L),
                Arguments.of("nosuid,nodev,noexec", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0L),
                Arguments.of("suid,dev,exec", 0L, MS_NOSUID | MS_NODEV | MS_NOEXEC),
                Arguments.of("bind", MS_BIND, 0L),
                Arguments.of("rbind", MS_BIND | MS_REC, 0L),
                Arguments.of("remount,ro,bind", MS_REMOUNT | MS_RDONLY | MS_BIND, 0L),
                Arguments.of("sync", MS_SYNCHRONOUS, 0L),
                Arguments.of("sync,async", 0L, MS_SYNCHRONOUS),
                Arguments.of("dirsync", MS_DIRSYNC, 0L),
                Arguments.of("mand,nomand", 0L, MS_MANDLOCK),
                Arguments.of("noatime,nodiratime", MS_NOATIME | MS_NODIRATIME, 0L),
                Arguments.of("atime,diratime", 0L, MS_NOATIME | MS_NODIRATIME),
                Arguments.of("relatime", MS_RELATIME, 0L),
                Arguments.of("norelatime", 0L, MS_RELATIME),
                Arguments.of("strictatime", MS_STRICTATIME, 0L),
                Arguments.of("nostrictatime", 0L, MS_STRICTATIME),
                Arguments.of("lazytime", MS_LAZYTIME, 0L),
                Arguments.of("nolazytime", 0L, MS_LAZYTIME),
                Arguments.of("iversion", MS_I_VERSION, 0L),
                Arguments.of("noiversion", 0L, MS_I_VERSION),
                Arguments.of("acl", MS_POSIXACL, 0L),
                Arguments.of("noacl", 0L, MS_POSIXACL),
                Arguments.of("silent", MS_SILENT, 0L),
                Arguments.of("loud", 0L, MS_SILENT),
                Arguments.of("nosymfollow", MS_NOSYMFOLLOW, 0L),
                Arguments.of("symfollow", 0L, MS_NOSYMFOLLOW),
                Arguments.of("defaults", 0L, 0L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("flagOptions")
    void flagOptionsSetAndClearMountFlagsInOrder(String options, long flags, long cleared) {
        MountOptions parsed = MountOptions.parse(List.of(options.split(",")));
        assertThat(parsed.flags()).as("flags").isEqualTo(flags);
        assertThat(parsed.clearedFlags()).as("cleared").isEqualTo(cleared);
        assertThat(parsed.data()).isEmpty();
        assertThat(Arrays.stream(options.split(","))).allMatch(MountOptions::isKnown);
    }

    /** option, expected propagation flags. */
    static Stream<Arguments> propagationOptions() {
        return Stream.of(
                Arguments.of("private", MS_PRIVATE), Arguments.of("rprivate", MS_PRIVATE | MS_REC),
                Arguments.of("shared", MS_SHARED), Arguments.of("rshared", MS_SHARED | MS_REC),
                Arguments.of("slave", MS_SLAVE), Arguments.of("rslave", MS_SLAVE | MS_REC),
                Arguments.of("unbindable", MS_UNBINDABLE), Arguments.of("runbindable", MS_UNBINDABLE | MS_REC));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("propagationOptions")
    void propagationOptionsBecomeSeparateChanges(String option, long propagation) {
        MountOptions parsed = MountOptions.parse(List.of("bind", option));
        assertThat(parsed.propagation()).containsExactly(propagation);
        assertThat(parsed.flags()).isEqualTo(MS_BIND);
    }

    @Test
    void propagationChangesKeepTheirOrder() {
        assertThat(MountOptions.parse(List.of("rshared", "private")).propagation())
                .containsExactly(MS_SHARED | MS_REC, MS_PRIVATE);
    }

    /** option, expected attr_set, expected attr_clr. */
    static Stream<Arguments> recursiveOptions() {
        return Stream.of(
                Arguments.of("rro", MOUNT_ATTR_RDONLY, 0L),
                Arguments.of("rrw", 0L, MOUNT_ATTR_RDONLY),
                Arguments.of("rro,rrw", 0L, MOUNT_ATTR_RDONLY),
                Arguments.of("rnosuid", MOUNT_ATTR_NOSUID, 0L),
                Arguments.of("rsuid", 0L, MOUNT_ATTR_NOSUID),
                Arguments.of("rnodev", MOUNT_ATTR_NODEV, 0L),
                Arguments.of("rdev", 0L, MOUNT_ATTR_NODEV),
                Arguments.of("rnoexec", MOUNT_ATTR_NOEXEC, 0L),
                Arguments.of("rexec", 0L, MOUNT_ATTR_NOEXEC),
                Arguments.of("rnodiratime", MOUNT_ATTR_NODIRATIME, 0L),
                Arguments.of("rdiratime", 0L, MOUNT_ATTR_NODIRATIME),
                Arguments.of("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0L),
                Arguments.of("rsymfollow", 0L, MOUNT_ATTR_NOSYMFOLLOW),
                Arguments.of("rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME),
                Arguments.of("rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME),
                Arguments.of("rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME),
                Arguments.of("rnoatime,rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME),
                Arguments.of("ratime", 0L, MOUNT_ATTR_NOATIME),
                Arguments.of("rnostrictatime", 0L, MOUNT_ATTR_STRICTATIME));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recursiveOptions")
    void recursiveOptionsBecomeMountSetattrBits(String options, long set, long clear) {
        MountOptions parsed = MountOptions.parse(List.of(options.split(",")));
        assertThat(parsed.recursiveSet()).as("attr_set").isEqualTo(set);
        assertThat(parsed.recursiveClear()).as("attr_clr").isEqualTo(clear);
        assertThat(parsed.flags()).isZero();
    }

    @Test
    void rroIsNotTheSameAsRo() {
        MountOptions rro = MountOptions.parse(List.of("rbind", "rro"));
        assertThat(rro.isReadOnly()).isFalse();
        assertThat(rro.hasRecursiveAttributes()).isTrue();
        assertThat(rro.isRecursiveBind()).isTrue();
    }

    @Test
    void idmapAndRidmapMarkIdmappedMounts() {
        assertThat(MountOptions.parse(List.of("bind", "idmap"))).satisfies(o -> {
            assertThat(o.idmap()).isTrue();
            assertThat(o.recursiveIdmap()).isFalse();
        });
        assertThat(MountOptions.parse(List.of("rbind", "ridmap"))).satisfies(o -> {
            assertThat(o.idmap()).isTrue();
            assertThat(o.recursiveIdmap()).isTrue();
        });
    }

    @Test
    void unknownOptionsAreFileSystemDataInTheirOrder() {
        MountOptions tmpfs = MountOptions.parse(List.of("nosuid", "mode=755", "strictatime", "size=65536k", "newinstance"));
        assertThat(tmpfs.data()).isEqualTo("mode=755,size=65536k,newinstance");
        assertThat(tmpfs.flags()).isEqualTo(MS_NOSUID | MS_STRICTATIME);
    }

    @Test
    void extensionsAreNeitherFlagsNorData() {
        MountOptions parsed = MountOptions.parse(List.of("tmpcopyup", "mode=1777"));
        assertThat(parsed.extensions()).containsExactly("tmpcopyup");
        assertThat(parsed.data()).isEqualTo("mode=1777");
    }

    @Test
    void nullAndEmptyOptionsMeanNothing() {
        assertThat(MountOptions.parse(null)).isEqualTo(MountOptions.NONE);
        assertThat(MountOptions.parse(List.of("", ""))).isEqualTo(MountOptions.NONE);
        assertThat(MountOptions.NONE.flags()).isZero();
        assertThat(MountOptions.NONE.data()).isEmpty();
    }

    @Test
    void everyOptionRuncAdvertisesIsKnown() throws java.io.IOException {
        Features runc = OciSpecs.readFeatures(java.nio.file.Files.readString(
                OfficialSchema.DIR.resolve("test/features/good/runc.json")));
        assertThat(runc.mountOptions()).isNotEmpty().allMatch(MountOptions::isKnown);
    }
}
