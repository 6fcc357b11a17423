package dev.gatun.core.security;

import static dev.gatun.core.security.DeviceFilter.ACC_MKNOD;
import static dev.gatun.core.security.DeviceFilter.ACC_READ;
import static dev.gatun.core.security.DeviceFilter.ACC_WRITE;
import static dev.gatun.core.security.DeviceFilter.DEV_BLOCK;
import static dev.gatun.core.security.DeviceFilter.DEV_CHAR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatun.cgroups.InvalidResourceException;
import dev.gatun.cgroups.Resources.DeviceRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The device filter's programs, run by {@link EbpfInterpreter} (the kernel's verdicts are in
 * DeviceCgroupKernelTest) and checked against a direct reading of the rules: in order, the last
 * match wins, each requested access bit on its own.
 */
class DeviceFilterTest {

    private static final int RW = ACC_READ | ACC_WRITE;
    private static final int RWM = ACC_READ | ACC_WRITE | ACC_MKNOD;

    @Test
    void denyAllThenDevNullIsThisProgram() {
        DeviceFilter f = DeviceFilter.compile(List.of(rule(false, "a", null, null, "rwm"), rule(true, "c", 1L, 3L, "rwm")));

        // prelude; "c 1:3 rwm" (the last rule, emitted first); "a *:* rwm" returns 0 and ends the program
        assertThat(hex(f.code())).containsExactly(
                "6112000000000000", // r2 = *(u32 *)(r1 + 0)
                "57020000ffff0000", // r2 &= 0xffff
                "6113000000000000", // r3 = *(u32 *)(r1 + 0)
                "7703000010000000", // r3 >>= 16
                "6114040000000000", // r4 = *(u32 *)(r1 + 4)
                "6115080000000000", // r5 = *(u32 *)(r1 + 8)
                "5502040002000000", // if r2 != 2 (char) goto +4
                "5504030001000000", // if r4 != 1 goto +3
                "5505020003000000", // if r5 != 3 goto +2
                "b700000001000000", // r0 = 1
                "9500000000000000", // exit
                "b700000000000000", // r0 = 0
                "9500000000000000"); // exit
        assertThat(f.instructions()).isEqualTo(13);
    }

    @Test
    void theLastMatchingRuleWins() {
        EbpfInterpreter p = program(rule(false, "a", null, null, "rwm"), rule(true, "c", 1L, null, "rwm"),
                rule(false, "c", 1L, 7L, "rwm"));
        assertThat(p.run(DEV_CHAR, ACC_READ, 1, 3)).isEqualTo(1);
        assertThat(p.run(DEV_CHAR, ACC_READ, 1, 7)).isZero();
        assertThat(p.run(DEV_CHAR, ACC_READ, 2, 3)).isZero();
        assertThat(p.run(DEV_BLOCK, ACC_READ, 1, 3)).as("the allow names char devices").isZero();
    }

    @Test
    void eachRequestedAccessIsDecidedByItsOwnLastMatch() {
        EbpfInterpreter p = program(rule(true, "a", null, null, "rwm"), rule(false, "c", 1L, 3L, "w"));
        assertThat(p.run(DEV_CHAR, ACC_READ, 1, 3)).isEqualTo(1);
        assertThat(p.run(DEV_CHAR, ACC_WRITE, 1, 3)).isZero();
        assertThat(p.run(DEV_CHAR, RW, 1, 3)).as("O_RDWR asks for the denied write too").isZero();

        EbpfInterpreter split = program(rule(false, "a", null, null, "rwm"), rule(true, "c", 1L, null, "r"),
                rule(true, "c", null, 3L, "w"));
        assertThat(split.run(DEV_CHAR, RW, 1, 3)).as("read from one rule, write from the other").isEqualTo(1);
        assertThat(split.run(DEV_CHAR, RW, 1, 4)).isZero();
        assertThat(split.run(DEV_CHAR, ACC_READ, 1, 4)).isEqualTo(1);
    }

    @Test
    void theDefaultRulesLetMknodAnyDeviceButOpenOnlyTheStandardOnes() {
        EbpfInterpreter p = new EbpfInterpreter(DeviceFilter.compile(SecurityDefaults.DEVICE_RULES).code());
        assertThat(p.run(DEV_BLOCK, ACC_MKNOD, 7, 0)).isEqualTo(1);
        assertThat(p.run(DEV_BLOCK, ACC_READ, 7, 0)).as("a loop device").isZero();
        assertThat(p.run(DEV_BLOCK, RW, 8, 0)).as("a disk").isZero();
        assertThat(p.run(DEV_CHAR, RW, 1, 1)).as("/dev/mem").isZero();
        assertThat(p.run(DEV_CHAR, RW, 5, 1)).as("/dev/console, the host's").isZero();
        for (int[] d : new int[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}, {136, 0}, {136, 42}, {10, 200}}) {
            assertThat(p.run(DEV_CHAR, RWM, d[0], d[1])).as("c %d:%d", d[0], d[1]).isEqualTo(1);
        }
    }

    @Test
    void noRulesAndOnlyAllowsAllowEverything() {
        assertThat(program().run(DEV_BLOCK, RWM, 8, 0)).isEqualTo(1);
        assertThat(program(rule(true, "c", 1L, 3L, "r")).run(DEV_BLOCK, RWM, 8, 0))
                .as("a bit no rule matches is allowed, as on v1").isEqualTo(1);
    }

    @Test
    void randomRuleListsGiveTheVerdictsOfTheRulesReadDirectly() {
        Random random = new Random(20261204);
        String[] types = {null, "a", "b", "c"};
        String[] accesses = {null, "r", "w", "m", "rw", "rm", "wm", "rwm", "mwr"};
        Long[] numbers = {null, 1L, 7L};
        for (int round = 0; round < 2000; round++) {
            List<DeviceRule> rules = new ArrayList<>();
            int n = random.nextInt(7);
            for (int i = 0; i < n; i++) {
                rules.add(rule(random.nextBoolean(), types[random.nextInt(types.length)], numbers[random.nextInt(3)],
                        numbers[random.nextInt(3)], accesses[random.nextInt(accesses.length)]));
            }
            EbpfInterpreter p = new EbpfInterpreter(DeviceFilter.compile(rules).code());
            for (int type : new int[] {DEV_BLOCK, DEV_CHAR}) {
                for (int access = 1; access <= RWM; access++) {
                    for (int major : new int[] {1, 7, 9}) {
                        for (int minor : new int[] {1, 7, 9}) {
                            assertThat(p.run(type, access, major, minor))
                                    .as("%s for type %d access %d %d:%d", rules, type, access, major, minor)
                                    .isEqualTo(reference(rules, type, access, major, minor) ? 1L : 0L);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aRuleTheKernelCannotExpressIsRefusedNamingIt() {
        assertThatThrownBy(() -> DeviceFilter.compile(List.of(rule(true, "c", 1L, 3L, "rwm"), rule(true, "p", 1L, 3L, "rwm"))))
                .isInstanceOf(InvalidResourceException.class).hasMessageStartingWith("devices[1].type: invalid value \"p\"");
        assertThatThrownBy(() -> DeviceFilter.compile(List.of(rule(true, "c", 1L, 3L, "rx"))))
                .isInstanceOf(InvalidResourceException.class).hasMessageStartingWith("devices[0].access");
        assertThatThrownBy(() -> DeviceFilter.compile(List.of(rule(true, "c", -1L, 3L, "r"))))
                .isInstanceOf(InvalidResourceException.class).hasMessageStartingWith("devices[0].major");
    }

    /** The rules read directly: per requested bit, the last rule that matches; no match allows. */
    private static boolean reference(List<DeviceRule> rules, int type, int access, int major, int minor) {
        for (int bit : new int[] {ACC_MKNOD, ACC_READ, ACC_WRITE}) {
            if ((access & bit) == 0) {
                continue;
            }
            boolean allowed = true;
            for (DeviceRule r : rules) {
                String t = r.type() == null ? "a" : r.type();
                boolean typeMatches = t.equals("a") || (t.equals("b") ? DEV_BLOCK : DEV_CHAR) == type;
                String a = r.access() == null ? "rwm" : r.access();
                boolean accessMatches = a.indexOf(bit == ACC_MKNOD ? 'm' : bit == ACC_READ ? 'r' : 'w') >= 0;
                if (typeMatches && accessMatches && (r.major() == null || r.major() == major)
                        && (r.minor() == null || r.minor() == minor)) {
                    allowed = r.allow();
                }
            }
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static EbpfInterpreter program(DeviceRule... rules) {
        return new EbpfInterpreter(DeviceFilter.compile(List.of(rules)).code());
    }

    private static DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new DeviceRule(allow, type, major, minor, access);
    }

    private static List<String> hex(byte[] code) {
        // written little-endian as the instructions are on x86-64 and aarch64
        assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        List<String> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(code);
        byte[] one = new byte[8];
        while (b.hasRemaining()) {
            b.get(one);
            out.add(HexFormat.of().formatHex(one));
        }
        return out;
    }
}
