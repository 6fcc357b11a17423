package dev.gatun.core.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Syscall numbers by name, per architecture, from {@code syscalls.tsv} (generated from
 * libseccomp's table by {@code core/src/build/GenerateSyscallTable.java}).
 *
 * <p>The spawn engine emits only the generic syscalls every architecture has ({@code openat},
 * {@code dup3}, {@code mkdirat} ...): aarch64 has no {@code open}, {@code dup2} or {@code fork}.
 * Immutable and thread-safe; loaded once.
 */
public final class SyscallTable {

    private static final Map<Arch, SyscallTable> TABLES = load();

    private final Arch arch;
    private final Map<String, Integer> numbers;
    private final Map<Integer, String> names;

    private SyscallTable(Arch arch, Map<String, Integer> numbers) {
        this.arch = arch;
        this.numbers = Collections.unmodifiableMap(numbers);
        Map<Integer, String> byNumber = new HashMap<>();
        for (Map.Entry<String, Integer> e : numbers.entrySet()) {
            byNumber.putIfAbsent(e.getValue(), e.getKey());
        }
        this.names = Collections.unmodifiableMap(byNumber);
    }

    /** The table of the architecture this JVM runs on. */
    public static SyscallTable current() {
        return of(Arch.current());
    }

    /** The table of {@code arch}. */
    public static SyscallTable of(Arch arch) {
        return TABLES.get(arch);
    }

    /** The architecture of this table. */
    public Arch arch() {
        return arch;
    }

    /** The number of syscall {@code name}, or empty when this architecture has no such call. */
    public OptionalInt find(String name) {
        Integer nr = numbers.get(name);
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /**
     * The number of syscall {@code name}.
     *
     * @throws UnsupportedOperationException when this architecture has no such call
     */
    public int number(String name) {
        Integer nr = numbers.get(name);
        if (nr == null) {
            throw new UnsupportedOperationException("no syscall " + name + " on " + arch.tableName());
        }
        return nr;
    }

    /** The name of syscall number {@code nr}, for rendering; empty when unknown. */
    public Optional<String> name(int nr) {
        return Optional.ofNullable(names.get(nr));
    }

    /** Every syscall name this architecture has. */
    public Set<String> names() {
        return numbers.keySet();
    }

    /*
     * Read by hand (index scans, numbers parsed in place) rather than with a reader and
     * String.split: LibC's class initialization loads this table, so a fresh JVM's first container
     * runs this code interpreted, once.
     */
    private static Map<Arch, SyscallTable> load() {
        String text;
        try (InputStream in = SyscallTable.class.getResourceAsStream("syscalls.tsv")) {
            if (in == null) {
                throw new IllegalStateException("syscalls.tsv missing from dev.gatun.core.linux");
            }
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Arch, Map<String, Integer>> byArch = new EnumMap<>(Arch.class);
        Arch[] columns = null;
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            if (text.startsWith("#name", start)) {
                String[] header = text.substring(start + 1, end).split("\t");
                columns = new Arch[header.length];
                for (int i = 1; i < header.length; i++) {
                    columns[i] = archOf(header, i);
                    byArch.put(columns[i], new HashMap<>());
                }
                continue;
            }
            if (start == end || text.charAt(start) == '#' || text.substring(start, end).isBlank()) {
                continue;
            }
            if (columns == null) {
                throw new IllegalStateException("syscalls.tsv has no #name header line");
            }
            int tab = text.indexOf('\t', start);
            String name = text.substring(start, tab < 0 || tab > end ? end : tab);
            for (int i = 1; tab >= 0 && tab < end; i++) {
                int from = tab + 1;
                tab = text.indexOf('\t', from);
                int to = tab < 0 || tab > end ? end : tab;
                if (!(to - from == 1 && text.charAt(from) == '-')) {
                    byArch.get(columns[i]).put(name, Integer.parseInt(text, from, to, 10));
                }
            }
        }
        Map<Arch, SyscallTable> tables = new EnumMap<>(Arch.class);
        for (Arch arch : Arch.values()) {
            tables.put(arch, new SyscallTable(arch, byArch.getOrDefault(arch, Map.of())));
        }
        return tables;
    }

    private static Arch archOf(String[] header, int column) {
        if (header == null) {
            throw new IllegalStateException("syscalls.tsv has no #name header line");
        }
        for (Arch arch : Arch.values()) {
            if (arch.tableName().equals(header[column])) {
                return arch;
            }
        }
        throw new IllegalStateException("syscalls.tsv column " + header[column] + " is no known architecture");
    }
}
