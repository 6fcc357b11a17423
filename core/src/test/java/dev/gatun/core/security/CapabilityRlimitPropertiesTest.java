package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the capability and rlimit name parsers: every spelling of a name in any ASCII case
 * is that capability or resource, and any other string is an IllegalArgumentException naming it;
 * never a look-alike (the Unicode case mappings of ı, ſ and the ligatures reach ASCII names).
 */
class CapabilityRlimitPropertiesTest {

    @Property(tries = 300)
    void aCapabilityNameInAnyCaseWithOrWithoutItsPrefixIsThatCapability(@ForAll Capability c, @ForAll long caseBits,
            @ForAll boolean prefixed) {
        String name = withCase(prefixed ? c.name() : c.name().substring(4), caseBits);
        assertThat(Capability.of(name)).isEqualTo(c);
        assertThat(Capability.ofNumber(c.number())).isEqualTo(c);
    }

    @Property(tries = 500)
    void aStringIsACapabilityOnlyIfItSpellsOneInAscii(@ForAll("nearNames") String s) {
        try {
            Capability c = Capability.of(s);
            assertThat(s.equalsIgnoreCase(c.name()) || s.equalsIgnoreCase(c.name().substring(4)))
                    .as("\"%s\" read as %s", s, c).isTrue();
            assertThat(s.chars().allMatch(ch -> ch < 128)).as("\"%s\" is ASCII", s).isTrue();
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining("\"" + s + "\"");
        }
    }

    @Property(tries = 300)
    void anRlimitNameInAnyCaseIsThatResource(@ForAll Rlimit r, @ForAll long caseBits) {
        assertThat(Rlimit.of(withCase(r.name(), caseBits))).isEqualTo(r);
    }

    @Property(tries = 500)
    void aStringIsAnRlimitOnlyIfItSpellsOneInAscii(@ForAll("nearRlimits") String s) {
        try {
            Rlimit r = Rlimit.of(s);
            assertThat(s.equalsIgnoreCase(r.name())).as("\"%s\" read as %s", s, r).isTrue();
            assertThat(s.chars().allMatch(ch -> ch < 128)).as("\"%s\" is ASCII", s).isTrue();
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining("\"" + s + "\"");
        }
    }

    @Property(tries = 300)
    void aSoftLimitAboveTheHardOneIsRefusedComparedUnsigned(@ForAll Rlimit r, @ForAll("limits") long soft,
            @ForAll("limits") long hard) {
        if (Long.compareUnsigned(soft, hard) > 0) {
            assertThatThrownBy(() -> r.prlimit(soft, hard)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toUnsignedString(soft)).hasMessageContaining(Long.toUnsignedString(hard));
        } else {
            assertThat(r.prlimit(soft, hard)).isNotNull();
        }
    }

    @Provide
    Arbitrary<Long> limits() {
        return Arbitraries.oneOf(Arbitraries.of(0L, 1L, 1024L, Rlimit.INFINITY, Long.MAX_VALUE, Long.MIN_VALUE),
                Arbitraries.longs());
    }

    @Provide
    Arbitrary<String> nearNames() {
        return near(Arbitraries.of(Capability.values()).map(Capability::name));
    }

    @Provide
    Arbitrary<String> nearRlimits() {
        return near(Arbitraries.of(Rlimit.values()).map(Rlimit::name));
    }

    /** Names with one character changed: to another case, a Unicode look-alike, or anything. */
    private static Arbitrary<String> near(Arbitrary<String> names) {
        Arbitrary<Character> odd = Arbitraries.oneOf(Arbitraries.of('\u0131', '\u017f', '\u212a', '\u0130', '\ufb00',
                '\u00df', ' ', '\0', '_', '-'), Arbitraries.chars());
        return net.jqwik.api.Combinators.combine(names, Arbitraries.doubles().between(0, 1), odd, Arbitraries.integers().between(0, 3))
                .as((name, where, c, kind) -> {
                    String lower = name.toLowerCase(Locale.ROOT);
                    int i = (int) (where * (lower.length() - 1));
                    return switch (kind) {
                        case 0 -> lower.substring(0, i) + c + lower.substring(i + 1);
                        case 1 -> lower.substring(0, i) + c + lower.substring(i);
                        case 2 -> lower.substring(0, i);
                        default -> lower.startsWith("cap_") ? lower.substring(4, 4 + i % (lower.length() - 4))
                                + c + lower.substring(4 + i % (lower.length() - 4) + 1) : lower;
                    };
                });
    }

    private static String withCase(String s, long bits) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append((bits >>> (i % 64) & 1) == 1 ? Character.toLowerCase(c) : c);
        }
        return b.toString();
    }

    @net.jqwik.api.Example
    void lookAlikesOfCapabilityAndRlimitNamesAreRefused() {
        for (String s : List.of("cap_\u017fys_admin", "CAP_SYS_ADM\u0131N", "\u017fetuid")) {
            assertThatThrownBy(() -> Capability.of(s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(s);
        }
        assertThatThrownBy(() -> Rlimit.of("rlimit_nof\u0131le")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rlimit_nof\u0131le");
    }
}
