package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.core.PortMapping.Protocol;
import dev.gatun.namespaces.NamespaceType;
import dev.gatun.namespaces.Namespaces;
import java.util.List;
import org.junit.jupiter.api.Test;

/** podman's {@code -p} forms, and the publish settings' checks; no privileges. */
class PortMappingTest {

    @Test
    void hostPortColonContainerPortIsTcpOnLoopback() {
        assertThat(PortMapping.parse("8081:80")).containsExactly(new PortMapping("127.0.0.1", 8081, 80, Protocol.TCP));
    }

    @Test
    void aHostIpAProtocolAndAnIpv6AddressInBracketsAreRead() {
        assertThat(PortMapping.parse("0.0.0.0:5353:53/udp"))
                .containsExactly(new PortMapping("0.0.0.0", 5353, 53, Protocol.UDP));
        assertThat(PortMapping.parse("[::1]:8080:80/tcp")).containsExactly(new PortMapping("::1", 8080, 80, Protocol.TCP));
        assertThat(PortMapping.parse("[::1]:8080:80").getFirst()).hasToString("[::1]:8080->80/tcp");
    }

    @Test
    void aMissingOrEmptyHostPortPicksAFreeOne() {
        assertThat(PortMapping.parse("80")).containsExactly(new PortMapping("127.0.0.1", 0, 80, Protocol.TCP));
        assertThat(PortMapping.parse("127.0.0.1::80/udp")).containsExactly(new PortMapping("127.0.0.1", 0, 80, Protocol.UDP));
        assertThat(PortMapping.parse(":80")).containsExactly(new PortMapping("127.0.0.1", 0, 80, Protocol.TCP));
        assertThat(PortMapping.parse("80-82")).extracting(PortMapping::hostPort).containsExactly(0, 0, 0);
    }

    @Test
    void rangesOfEqualLengthMapPortByPort() {
        assertThat(PortMapping.parse("8080-8082:80-82")).containsExactly(
                new PortMapping("127.0.0.1", 8080, 80, Protocol.TCP),
                new PortMapping("127.0.0.1", 8081, 81, Protocol.TCP),
                new PortMapping("127.0.0.1", 8082, 82, Protocol.TCP));
    }

    @Test
    void malformedTextIsRefusedNamingPublishAndTheText() {
        for (String bad : List.of("", "abc", "80:", "8080:80/sctp", "localhost:8080:80", "8080:80:90:100",
                "1.2.3.4.5:80:80", "999.0.0.1:80:80", "-80", "80-", "8080-8081:80", "8080-8082:80-81", "82-80",
                "8080-:80")) {
            assertThatThrownBy(() -> PortMapping.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("publish: ");
        }
    }

    @Test
    void portsOutOfRangeAreRefusedNamingThePort() {
        assertThatThrownBy(() -> PortMapping.parse("65536:80")).hasMessageContaining("port 65536 is outside 0..65535");
        assertThatThrownBy(() -> PortMapping.parse("8080:0")).hasMessage("publish: container port 0 is outside 1..65535");
        assertThatThrownBy(() -> PortMapping.parse("8080:99999999999")).hasMessageContaining("99999999999");
        assertThatThrownBy(() -> PortMapping.tcp(8080, 0)).hasMessage("publish: container port 0 is outside 1..65535");
        assertThatThrownBy(() -> PortMapping.tcp(-1, 80)).hasMessageContaining("host port -1 is outside 0..65535");
        assertThatThrownBy(() -> PortMapping.tcp(70000, 80)).hasMessageContaining("host port 70000");
        assertThatThrownBy(() -> new PortMapping("example.org", 80, 80, Protocol.TCP))
                .hasMessageContaining("host IP \"example.org\" is no numeric");
    }

    @Test
    void theBuilderRefusesAHostPortTwiceAndPublishWithoutANetworkNamespace() {
        ContainerBuilder b = Container.builder().command("/bin/true").publish(8081, 80);
        assertThatThrownBy(() -> b.publish("8081:81")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host port 8081 which 127.0.0.1:8081->80/tcp publishes already");
        b.publish("8081:81/udp").publish(0, 82).publish(0, 83); // another protocol, and free ports, are fine
        assertThatThrownBy(() -> Container.builder().command("/bin/true").publish(8081, 80)
                .namespaces(Namespaces.builder().create(NamespaceType.PID, NamespaceType.MOUNT).build()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publish: 127.0.0.1:8081->80/tcp needs a network namespace")
                .hasMessageContaining("network mode host");
        assertThatThrownBy(() -> Container.builder().maxPublishedConnections(0))
                .hasMessageStartingWith("maxPublishedConnections: 0");
    }
}
