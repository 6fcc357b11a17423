package dev.gatun.images;

import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars in memory for tests, hostile ones included (names are written as given). */
final class Tars {

    private final List<Consumer<TarArchiveOutputStream>> entries = new ArrayList<>();

    static Tars tar() {
        return new Tars();
    }

    Tars dir(String name, int mode) {
        return add(name, TarConstants.LF_DIR, null, mode, null, Map.of());
    }

    Tars file(String name, String content) {
        return file(name, content, 0644);
    }

    Tars file(String name, String content, int mode) {
        return add(name, TarConstants.LF_NORMAL, null, mode, content.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    Tars file(String name, String content, Map<String, String> pax) {
        return add(name, TarConstants.LF_NORMAL, null, 0644, content.getBytes(StandardCharsets.UTF_8), pax);
    }

    Tars symlink(String name, String target) {
        return add(name, TarConstants.LF_SYMLINK, target, 0777, null, Map.of());
    }

    Tars hardlink(String name, String target) {
        return add(name, TarConstants.LF_LINK, target, 0644, null, Map.of());
    }

    Tars charDevice(String name) {
        return add(name, TarConstants.LF_CHR, null, 0666, null, Map.of());
    }

    Tars fifo(String name) {
        return add(name, TarConstants.LF_FIFO, null, 0644, null, Map.of());
    }

    private Tars add(String name, byte type, String link, int mode, byte[] content, Map<String, String> pax) {
        entries.add(out -> {
            try {
                TarArchiveEntry e = new TarArchiveEntry(name, type, true); // preserve the name as given
                e.setMode(mode);
                e.setModTime(java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L)); // reproducible bytes
                if (link != null) {
                    e.setLinkName(link);
                }
                if (content != null) {
                    e.setSize(content.length);
                }
                e.setUserId(1000);
                e.setGroupId(1000);
                pax.forEach(e::addPaxHeader);
                out.putArchiveEntry(e);
                if (content != null) {
                    out.write(content);
                }
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        write(b);
        return b.toByteArray();
    }

    byte[] gzip() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            write(gz);
        }
        return b.toByteArray();
    }

    byte[] zstd() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(b)) {
            z.write(bytes());
        }
        return b.toByteArray();
    }

    private void write(OutputStream target) {
        try {
            TarArchiveOutputStream out = new TarArchiveOutputStream(target);
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            entries.forEach(e -> e.accept(out));
            out.finish();
            out.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
