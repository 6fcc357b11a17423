package dev.gatun.core.plan;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import dev.gatun.oci.InvalidSpecException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SysctlsTest {

    private static final Namespaces OWN = Namespaces.builder()
            .create(NamespaceType.IPC, NamespaceType.NETWORK, NamespaceType.UTS, NamespaceType.MOUNT).build();
    private static final Namespaces HOSTS = Namespaces.builder().create(NamespaceType.MOUNT).build();

    @ParameterizedTest
    @ValueSource(strings = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
            "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "fs.mqueue.msg_max",
            "net.ipv4.ip_forward", "net.core.somaxconn", "kernel.hostname", "kernel.domainname"})
    void aNamespacedSysctlIsAllowedWithItsOwnNamespace(String key) {
        assertThatCode(() -> Sysctls.check(Map.of(key, "1"), OWN)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kernel.printk_ratelimit_burst", "kernel.core_pattern", "vm.overcommit_memory",
            "kernel.modprobe", "fs.file-max", "kernel.randomize_va_space", "user.max_user_namespaces"})
    void aHostGlobalSysctlIsRefusedNamingIt(String key) {
        assertThatThrownBy(() -> Sysctls.check(Map.of(key, "1"), OWN)).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.linux.sysctl[\"" + key + "\"]").hasMessageContaining("host's value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kernel.shmmax", "fs.mqueue.queues_max", "net.ipv4.ip_forward", "kernel.hostname"})
    void aNamespacedSysctlOfANamespaceSharedWithTheHostIsRefused(String key) {
        assertThatThrownBy(() -> Sysctls.check(Map.of(key, "1"), HOSTS)).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("$.linux.sysctl[\"" + key + "\"]").hasMessageContaining("shares with the host");
    }

    @Test
    void aJoinedNamespaceIsTheContainersOwn() {
        Namespaces joined = Namespaces.builder().join(NamespaceType.NETWORK, Path.of("/run/netns/x")).build();
        assertThatCode(() -> Sysctls.check(Map.of("net.ipv4.ip_forward", "1"), joined)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"net/ipv4/ip_forward", "net..ipv4", "net.ipv4.", "net", "net.ipv4.conf.all/../x", ""})
    void aNameThatIsNotOneFileUnderProcSysIsRefused(String key) {
        assertThatThrownBy(() -> Sysctls.check(Map.of(key, "1"), OWN)).isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("not a sysctl name");
    }
}
