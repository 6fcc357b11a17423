package dev.gatun.namespaces;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes of the write-once files under {@code /proc/<pid>}: uid_map, gid_map, setgroups, timens_offsets. */
final class ProcFiles {

    private ProcFiles() {}

    /**
     * One {@code write(2)} of the whole text: the kernel parses these files from a single write at
     * offset 0 and rejects a map written in pieces.
     *
     * @param hint what usually causes a refusal, appended to the message
     */
    static void writeOnce(Path file, String text, String hint) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        String call = "write(\"" + file + "\", \"" + text.strip().replace("\n", "\\n") + "\")";
        int written;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            written = ch.write(ByteBuffer.wrap(bytes));
        } catch (NoSuchFileException e) {
            throw new IOException(call + ": no such file: the process has exited", e);
        } catch (AccessDeniedException e) {
            throw new IOException(call + ": Permission denied (EACCES): " + hint, e);
        } catch (IOException e) {
            throw new IOException(call + ": " + e.getMessage() + errnoName(e.getMessage()) + ": " + hint, e);
        }
        if (written != bytes.length) {
            throw new IOException(call + ": short write of " + written + " of " + bytes.length
                    + " bytes; the kernel needs the whole text in one write");
        }
    }

    /** The JDK reports write errors with strerror's words only; add the errno name people search for. */
    private static String errnoName(String message) {
        if (message == null) {
            return "";
        }
        return switch (message) {
            case "Operation not permitted" -> " (EPERM)";
            case "Invalid argument" -> " (EINVAL)";
            case "Permission denied" -> " (EACCES)";
            case "No such process" -> " (ESRCH)";
            case "Numerical result out of range" -> " (ERANGE)";
            default -> "";
        };
    }
}
