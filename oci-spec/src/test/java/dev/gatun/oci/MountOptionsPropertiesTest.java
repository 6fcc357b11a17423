package dev.gatun.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of {@link MountOptions#parse}: it never fails, and what it does not know is data, in order. */
class MountOptionsPropertiesTest {

    private static final List<String> KNOWN = List.of("ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
            "sync", "async", "remount", "mand", "nomand", "dirsync", "atime", "noatime", "diratime", "nodiratime",
            "relatime", "norelatime", "strictatime", "nostrictatime", "bind", "rbind", "defaults", "private",
            "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "rro", "rrw", "rnosuid",
            "rnodev", "rnoexec", "rnoatime", "rrelatime", "idmap", "ridmap", "tmpcopyup", "nosymfollow", "symfollow");

    @Property(tries = 500)
    void anyOptionListParsesAndTheUnknownOptionsAreTheDataInOrder(@ForAll("options") List<String> options) {
        MountOptions parsed = MountOptions.parse(options);
        List<String> unknown = new ArrayList<>();
        for (String o : options) {
            if (!o.isEmpty() && !MountOptions.isKnown(o)) {
                unknown.add(o);
            }
        }
        assertThat(parsed.data()).isEqualTo(String.join(",", unknown));
        assertThat(MountOptions.parse(options)).isEqualTo(parsed);
        assertThat(parsed.propagation()).allSatisfy(p -> assertThat(p & ~MountOptions.MS_REC)
                .isIn(MountOptions.MS_PRIVATE, MountOptions.MS_SHARED, MountOptions.MS_SLAVE, MountOptions.MS_UNBINDABLE));
        assertThat(parsed.flags() & (MountOptions.MS_PRIVATE | MountOptions.MS_SLAVE)).as("propagation is not a flag").isZero();
    }

    @Property(tries = 300)
    void theLastOfReadOnlyAndReadWriteWins(@ForAll("roOrRw") List<String> options) {
        MountOptions parsed = MountOptions.parse(options);
        boolean readOnly = options.getLast().equals("ro");
        assertThat((parsed.flags() & MountOptions.MS_RDONLY) != 0).as("%s", options).isEqualTo(readOnly);
    }

    @Provide
    Arbitrary<List<String>> options() {
        Arbitrary<String> known = Arbitraries.of(KNOWN);
        Arbitrary<String> data = Arbitraries.oneOf(Arbitraries.of("mode=755", "size=1m", "uid=0", "gid=5",
                "newinstance", "ptmxmode=0666", "", "x-gvfs", "lowerdir=/a:/b"), Arbitraries.strings().ofMaxLength(12));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, known), net.jqwik.api.Tuple.of(1, data)).list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<String>> roOrRw() {
        return Arbitraries.oneOf(Arbitraries.of("ro", "rw"), Arbitraries.of("nosuid", "nodev", "size=1m"))
                .list().ofMinSize(1).ofMaxSize(8).filter(l -> l.getLast().equals("ro") || l.getLast().equals("rw"));
    }
}
