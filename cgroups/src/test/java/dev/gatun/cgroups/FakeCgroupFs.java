package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A cgroupfs in a temp directory that behaves like the kernel's where the drivers can tell: a new
 * directory comes with its hierarchy's control files (v2: only those of the controllers its parent
 * enabled), rmdir removes a directory holding control files, and every write is logged as
 * "relative/path=data".
 */
final class FakeCgroupFs implements CgroupFs {

    private final Path root;
    /** mount → files (name → initial content) a new cgroup directory there gets. */
    private final Map<Path, Map<String, String>> templates = new LinkedHashMap<>();
    private final Map<Path, Boolean> v2 = new LinkedHashMap<>();
    final List<String> writes = new ArrayList<>();

    FakeCgroupFs(Path root) {
        this.root = root;
    }

    /** Declares a hierarchy at {@code root/mount} whose root directory gets {@code rootFiles}. */
    Path hierarchy(String mount, boolean isV2, Map<String, String> childFiles, Map<String, String> rootFiles)
            throws IOException {
        Path m = root.resolve(mount);
        Files.createDirectories(m);
        templates.put(m, childFiles);
        v2.put(m, isV2);
        for (Map.Entry<String, String> f : rootFiles.entrySet()) {
            Files.writeString(m.resolve(f.getKey()), f.getValue());
        }
        return m;
    }

    /** Makes an existing (not library-created) cgroup with its hierarchy's files. */
    Path existing(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        mkdir(dir);
        return dir;
    }

    @Override
    public void mkdir(Path dir) throws IOException {
        Files.createDirectory(dir);
        Path mount = mountOf(dir);
        for (Map.Entry<String, String> f : templates.get(mount).entrySet()) {
            String name = f.getKey();
            if (v2.get(mount) && !isCore(name) && !enabledInParent(dir, name.substring(0, name.indexOf('.')))) {
                continue;
            }
            Files.writeString(dir.resolve(name), f.getValue());
        }
        if (v2.get(mount)) {
            Files.writeString(dir.resolve("cgroup.controllers"), ""); // read() computes it, as the kernel does
            Files.writeString(dir.resolve("cgroup.subtree_control"), "");
        }
    }

    private static boolean isCore(String name) {
        return name.startsWith("cgroup.") || name.startsWith("cpu.stat") || name.endsWith(".pressure");
    }

    private static boolean enabledInParent(Path dir, String controller) throws IOException {
        return List.of(Files.readString(dir.getParent().resolve("cgroup.subtree_control")).replace("+", "")
                .strip().split("\\s+")).contains(controller);
    }

    private Path mountOf(Path dir) {
        return templates.keySet().stream().filter(dir::startsWith).max(Comparator.comparingInt(Path::getNameCount))
                .orElseThrow(() -> new IllegalArgumentException(dir + " is in no fake hierarchy"));
    }

    @Override
    public String read(Path file) throws IOException {
        Path dir = file.getParent();
        if (file.getFileName().toString().equals("cgroup.controllers") && !templates.containsKey(dir)
                && v2.get(mountOf(dir))) {
            return Files.readString(dir.getParent().resolve("cgroup.subtree_control")).replace("+", "").strip();
        }
        return CgroupFs.super.read(file);
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f)) {
                    throw new java.nio.file.DirectoryNotEmptyException(dir.toString());
                }
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @Override
    public void write(Path file, String data) throws CgroupFileException {
        writes.add(root.relativize(file) + "=" + data);
        if (file.getFileName().toString().equals("cgroup.subtree_control") && Files.exists(file)) {
            // the kernel accumulates "+c" writes; the fake keeps the union so children see them
            try {
                String old = Files.readString(file).strip();
                CgroupFs.super.write(file, (old + " " + data).strip());
                return;
            } catch (IOException e) {
                throw new CgroupFileException(file, data, e);
            }
        }
        CgroupFs.super.write(file, data);
    }

    /** The writes to files whose relative path contains {@code part}. */
    List<String> writesTo(String part) {
        return writes.stream().filter(w -> w.substring(0, w.indexOf('=')).contains(part)).toList();
    }
}
