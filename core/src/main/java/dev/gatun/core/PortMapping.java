package dev.gatun.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One published port: connections (TCP) or datagrams (UDP) to {@code hostIp:hostPort} on the
 * host are carried to {@code 127.0.0.1:containerPort} inside the container's network namespace,
 * by the JVM ({@link ContainerBuilder#publish(int, int)} says how).
 *
 * <p>{@code hostPort} 0 means "any free port": the port the kernel picked is read with
 * {@link Container#mappedPort(int, Protocol)} once the container is created. {@code hostIp} is a
 * numeric address of this host (default {@code 127.0.0.1}; {@code 0.0.0.0} for every interface).
 * Immutable; the constructor checks every field, naming the setting.
 *
 * @param hostIp the host address to listen on, numeric
 * @param hostPort 0 (any free port) to 65535
 * @param containerPort 1 to 65535
 * @param protocol TCP or UDP
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, Protocol protocol) {

    /** The host address a mapping listens on unless it names one: loopback, as the tests want. */
    public static final String DEFAULT_HOST_IP = "127.0.0.1";

    /** The transport a mapping carries. */
    public enum Protocol {
        TCP, UDP;

        /** {@code "tcp"} or {@code "udp"}, as podman writes it. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Checks every field. */
    public PortMapping {
        Objects.requireNonNull(hostIp, "hostIp");
        Objects.requireNonNull(protocol, "protocol");
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("publish: host port " + hostPort + " is outside 0..65535 (0 picks a free one)");
        }
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("publish: container port " + containerPort + " is outside 1..65535");
        }
        if (!isNumericAddress(hostIp)) {
            throw new IllegalArgumentException("publish: host IP \"" + hostIp + "\" is no numeric IPv4 or IPv6 address");
        }
    }

    /** {@code hostPort -> 127.0.0.1:containerPort} over TCP, on {@link #DEFAULT_HOST_IP}. */
    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(DEFAULT_HOST_IP, hostPort, containerPort, Protocol.TCP);
    }

    // [hostIP:][hostPort[-end]:]containerPort[-end][/tcp|/udp]; an IPv6 host IP in brackets
    private static final Pattern FORM = Pattern.compile(
            "(?:(\\[[0-9A-Fa-f:.%a-z]+]|[0-9.]+):)??(?:(\\d*)(?:-(\\d+))?:)?(\\d+)(?:-(\\d+))?(?:/(tcp|udp))?");

    /**
     * Parses podman's {@code -p} form: {@code [hostIP:][hostPort:]containerPort[/tcp|udp]}, each
     * port a number or a range {@code first-last}. A missing or empty host port publishes on a
     * free one ({@code 80}, {@code 127.0.0.1::80}); host and container ranges must be as long as
     * each other ({@code 8080-8082:80-82}); a container range without host ports gets a free
     * port for each. An IPv6 host IP is written in brackets ({@code [::1]:8080:80}).
     *
     * @return one mapping per port of the range, in order
     * @throws IllegalArgumentException naming {@code publish} and the text, when malformed
     */
    public static List<PortMapping> parse(String text) {
        Objects.requireNonNull(text, "publish");
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("publish: \"" + text
                    + "\" is not [hostIP:][hostPort[-last]:]containerPort[-last][/tcp|udp]");
        }
        String ip = m.group(1) == null ? DEFAULT_HOST_IP : m.group(1).replaceAll("^\\[|]$", "");
        Protocol protocol = m.group(6) == null ? Protocol.TCP : Protocol.valueOf(m.group(6).toUpperCase(Locale.ROOT));
        int containerFirst = port(text, m.group(4));
        int containerLast = m.group(5) == null ? containerFirst : port(text, m.group(5));
        if (containerLast < containerFirst) {
            throw new IllegalArgumentException("publish: \"" + text + "\": the container range ends before it starts");
        }
        int count = containerLast - containerFirst + 1;
        boolean anyHostPort = m.group(2) == null || m.group(2).isEmpty();
        if (anyHostPort && m.group(3) != null) {
            throw new IllegalArgumentException("publish: \"" + text + "\": a host range needs its first port");
        }
        int hostFirst = anyHostPort ? 0 : port(text, m.group(2));
        int hostLast = m.group(3) == null ? hostFirst : port(text, m.group(3));
        if (!anyHostPort && hostLast - hostFirst + 1 != count) {
            throw new IllegalArgumentException("publish: \"" + text + "\": the host range has " + (hostLast - hostFirst + 1)
                    + " ports and the container range " + count + "; they must be as long as each other");
        }
        List<PortMapping> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            result.add(new PortMapping(ip, anyHostPort ? 0 : hostFirst + i, containerFirst + i, protocol));
        }
        return List.copyOf(result);
    }

    private static int port(String text, String digits) {
        if (digits.length() > 5 || Integer.parseInt(digits) > 65535) {
            throw new IllegalArgumentException("publish: \"" + text + "\": port " + digits + " is outside 0..65535");
        }
        return Integer.parseInt(digits);
    }

    private static boolean isNumericAddress(String ip) {
        if (!ip.matches("[0-9.]+") && !(ip.contains(":") && ip.matches("[0-9A-Fa-f:.%a-z]+"))) {
            return false; // never a name: InetAddress would resolve it
        }
        try {
            InetAddress.getByName(ip);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** As podman prints it: {@code 127.0.0.1:8081->80/tcp}. */
    @Override
    public String toString() {
        return (hostIp.contains(":") ? "[" + hostIp + "]" : hostIp) + ":" + hostPort + "->" + containerPort + "/"
                + protocol.label();
    }
}
