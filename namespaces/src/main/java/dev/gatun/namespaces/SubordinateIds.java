package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The subordinate id ranges of {@code /etc/subuid} or {@code /etc/subgid}: lines
 * {@code owner:start:count}, where owner is a user name or a decimal uid (both forms occur in real
 * files, and {@code newuidmap} accepts both).
 *
 * <p>Lines that are blank or start with {@code #} are ignored; malformed lines are kept in
 * {@link #malformed()} and otherwise ignored, as shadow's tools ignore them (one bad line must not
 * break every other user). A missing file reads as empty. This class does not consult NSS or
 * libsubid. Immutable.
 *
 * @param source where the ranges came from, for messages (e.g. {@code /etc/subuid})
 * @param ranges the well-formed lines, in file order
 * @param malformed the malformed lines, as {@code "<line number>: <text>"}
 * @see <a href="https://man7.org/linux/man-pages/man5/subuid.5.html">subuid(5)</a>
 */
public record SubordinateIds(String source, List<Range> ranges, List<String> malformed) {

    /** The system's subordinate uid file. */
    public static final Path SUBUID = Path.of("/etc/subuid");

    /** The system's subordinate gid file. */
    public static final Path SUBGID = Path.of("/etc/subgid");

    public SubordinateIds {
        ranges = List.copyOf(ranges);
        malformed = List.copyOf(malformed);
    }

    /**
     * One line: {@code count} ids from {@code start} belong to {@code owner}.
     *
     * @param owner a user name or a decimal uid, as written
     * @param start first id
     * @param count number of ids, at least 1
     */
    public record Range(String owner, long start, long count) {

        /** The last id of the range. */
        public long last() {
            return start + count - 1;
        }

        /** Whether the line names this user, by name or by uid. */
        public boolean belongsTo(String name, long uid) {
            return owner.equals(name) || owner.equals(Long.toString(uid));
        }
    }

    /** Reads a file; a missing file gives no ranges. */
    public static SubordinateIds read(Path file) throws IOException {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (NoSuchFileException e) {
            return new SubordinateIds(file.toString(), List.of(), List.of());
        }
    }

    /** Parses the text of a subuid/subgid file; {@code source} names it in messages. */
    public static SubordinateIds parse(String source, String text) {
        List<Range> ranges = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Optional<Range> r = parseLine(line);
            if (r.isPresent()) {
                ranges.add(r.get());
            } else {
                bad.add((i + 1) + ": " + line);
            }
        }
        return new SubordinateIds(source, ranges, bad);
    }

    private static Optional<Range> parseLine(String line) {
        String[] f = line.split(":", -1);
        if (f.length != 3 || f[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            long start = Long.parseLong(f[1]);
            long count = Long.parseLong(f[2]);
            if (start < 0 || count < 1 || start + count - 1 > IdMapping.MAX_ID) {
                return Optional.empty();
            }
            return Optional.of(new Range(f[0], start, count));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The ranges of a user, matched by name or by uid, in file order. */
    public List<Range> rangesOf(String name, long uid) {
        return ranges.stream().filter(r -> r.belongsTo(name, uid)).toList();
    }

    /** The first range of a user, matched by name or by uid. */
    public Optional<Range> firstRangeOf(String name, long uid) {
        return ranges.stream().filter(r -> r.belongsTo(name, uid)).findFirst();
    }

    /**
     * Whether every id in {@code first..first+count-1} belongs to the user, possibly across several
     * adjacent or overlapping lines (as shadow's {@code have_range} accepts).
     */
    public boolean covers(String name, long uid, long first, long count) {
        List<Range> mine = new ArrayList<>(rangesOf(name, uid));
        mine.sort(Comparator.comparingLong(Range::start));
        long next = first;
        long last = first + count - 1;
        for (Range r : mine) {
            if (r.start() <= next && r.last() >= next) {
                next = r.last() + 1;
                if (next > last) {
                    return true;
                }
            }
        }
        return false;
    }
}
