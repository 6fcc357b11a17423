package dev.gatun.namespaces;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserNamespacesTest {

    private static final Caller ALICE = Caller.unprivileged("alice", 1000, 1000);
    private static final Caller ROOT = new Caller("root", 0, 0, true, true, true);

    @TempDir
    Path sys;

    private void sysctl(String name, String value) throws IOException {
        Path f = sys.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, value + "\n");
    }

    @Test
    void noSysctlsMeansNoRestriction() {
        assertThat(UserNamespaces.unavailabilityCause(sys, ALICE)).isEmpty();
    }

    @Test
    void maxUserNamespacesZeroStopsEvenRootAndSaysWhichSysctlToRaise() throws IOException {
        sysctl("user/max_user_namespaces", "0");
        assertThat(UserNamespaces.unavailabilityCause(sys, ROOT)).hasValueSatisfying(c -> assertThat(c)
                .contains("user.max_user_namespaces is 0")
                .contains("sysctl -w user.max_user_namespaces="));
    }

    @Test
    void debiansSwitchStopsOnlyUnprivilegedCallers() throws IOException {
        sysctl("user/max_user_namespaces", "15000");
        sysctl("kernel/unprivileged_userns_clone", "0");
        assertThat(UserNamespaces.unavailabilityCause(sys, ALICE)).hasValueSatisfying(c -> assertThat(c)
                .contains("kernel.unprivileged_userns_clone is 0")
                .contains("alice (uid 1000)")
                .contains("sysctl -w kernel.unprivileged_userns_clone=1"));
        assertThat(UserNamespaces.unavailabilityCause(sys, ROOT)).isEmpty();
    }

    @Test
    void ubuntusAppArmorRestrictionIsNamedWithBothWaysOut() throws IOException {
        sysctl("kernel/unprivileged_userns_clone", "1");
        sysctl("kernel/apparmor_restrict_unprivileged_userns", "1");
        assertThat(UserNamespaces.unavailabilityCause(sys, ALICE)).hasValueSatisfying(c -> assertThat(c)
                .contains("AppArmor")
                .contains("userns,")
                .contains("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"));
        sysctl("kernel/apparmor_restrict_unprivileged_userns", "0");
        assertThat(UserNamespaces.unavailabilityCause(sys, ALICE)).isEmpty();
    }
}
