package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {

    @Test
    void capabilityNumbersFollowTheKernelHeader() {
        assertThat(Capability.CAP_CHOWN.number()).isZero();
        assertThat(Capability.CAP_NET_BIND_SERVICE.number()).isEqualTo(10);
        assertThat(Capability.CAP_SYS_ADMIN.number()).isEqualTo(21);
        assertThat(Capability.CAP_AUDIT_WRITE.number()).isEqualTo(29);
        assertThat(Capability.CAP_BPF.number()).isEqualTo(39);
        assertThat(Capability.CAP_CHECKPOINT_RESTORE.number()).isEqualTo(40);
    }

    @Test
    void aCapabilityParsesOnlyByItsExactName() {
        assertThat(Capability.parse("CAP_KILL")).isEqualTo(Capability.CAP_KILL);
        assertThatThrownBy(() -> Capability.parse("sys_admin")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown capability \"sys_admin\" (did you mean CAP_SYS_ADMIN?)");
        assertThatThrownBy(() -> Capability.parse("CAP_FLY")).hasMessage("unknown capability \"CAP_FLY\"");
        assertThat(Capability.find(null)).isEmpty();
    }

    @Test
    void rlimitNumbersFollowTheGenericAbi() {
        assertThat(RlimitType.RLIMIT_CPU.number()).isZero();
        assertThat(RlimitType.RLIMIT_NOFILE.number()).isEqualTo(7);
        assertThat(RlimitType.RLIMIT_AS.number()).isEqualTo(9);
        assertThat(RlimitType.RLIMIT_RTTIME.number()).isEqualTo(15);
        assertThat(RlimitType.parse("RLIMIT_NPROC")).isEqualTo(RlimitType.RLIMIT_NPROC);
        assertThatThrownBy(() -> RlimitType.parse("NOFILE")).hasMessage("unknown rlimit type \"NOFILE\"");
    }

    @ParameterizedTest
    @CsvSource({"SIGTERM,15,SIGTERM", "TERM,15,SIGTERM", "term,15,SIGTERM", "9,9,SIGKILL", "SIGHUP,1,SIGHUP",
            "SIGSYS,31,SIGSYS", "SIGIOT,6,SIGABRT", "POLL,29,SIGIO", "SIGCLD,17,SIGCHLD", "SIGWINCH,28,SIGWINCH",
            "SIGRTMIN,34,SIGRTMIN", "RTMIN+3,37,SIGRTMIN+3", "SIGRTMAX,64,SIGRTMIN+30", "SIGRTMAX-1,63,SIGRTMIN+29", "64,64,SIGRTMIN+30"})
    void signalsParseByNameShortNameOrNumber(String text, int number, String name) {
        assertThat(Signal.parse(text)).isEqualTo(new Signal(name, number));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SIGFOO", "0", "32", "65", "SIGRTMIN-1", "SIGRTMAX+1", "RTMIN+", "-9", "1000"})
    void nonSignalsAreRefused(String text) {
        assertThatThrownBy(() -> Signal.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"1.0.0,true", "1.3.0,true", "1.3.9,true", "1.2.1-rc.1+build.5,true", "1.0.2-dev,true",
            "0.5.0-dev,false", "1.4.0,false", "2.0.0,false", "1.0,false", "v1.0.0,false", "01.0.0,false", "1.0.0-,false"})
    void supportedVersionsAreSemVerFrom100To13x(String version, boolean supported) {
        assertThat(SpecVersion.isSupported(version)).isEqualTo(supported);
    }

    @ParameterizedTest
    @ValueSource(strings = {"read", "clone3", "openat2", "mount_setattr", "close_range", "landlock_create_ruleset",
            "futex_waitv", "pivot_root", "_llseek", "socketcall", "execveat"})
    void syscallNamesOfEveryArchitectureAreKnown(String name) {
        assertThat(SeccompRules.isKnownSyscall(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "READ", "sys_read", "wirte", "# Syscall names libseccomp knows (any architecture), one a line: the first column of its"})
    void otherSyscallNamesAreNot(String name) {
        assertThat(SeccompRules.isKnownSyscall(name)).isFalse();
    }

    @Test
    void semVerAcceptsPreReleaseAndBuildSuffixes() {
        assertThat(SpecVersion.isSemVer("1.0.0-alpha.1+exp.sha.5114f85")).isTrue();
        assertThat(SpecVersion.isSemVer("1.0.0+")).isFalse();
        assertThat(SpecVersion.isSemVer(null)).isFalse();
    }
}
