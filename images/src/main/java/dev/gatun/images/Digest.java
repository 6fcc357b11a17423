package dev.gatun.images;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex}, as the OCI image-spec defines it (sha256 and sha512).
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests">image-spec: digests</a>
 */
public record Digest(String algorithm, String hex) {

    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        boolean ok = switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
        if (!ok) {
            throw new InvalidImageException("digest \"" + algorithm + ":" + hex
                    + "\": expected sha256:<64 hex digits> or sha512:<128 hex digits>");
        }
    }

    /** Parses {@code sha256:…}; {@code where} names the field for the error. */
    public static Digest parse(String where, String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon < 0) {
            throw new InvalidImageException(where + ": \"" + text + "\" is not a digest (algorithm:hex)");
        }
        try {
            return new Digest(text.substring(0, colon), text.substring(colon + 1));
        } catch (InvalidImageException e) {
            throw new InvalidImageException(where + ": " + e.getMessage());
        }
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return new Digest("sha256", HexFormat.of().formatHex(messageDigest("sha256").digest(bytes)));
    }

    /**
     * {@code in}, checked: at end of stream the bytes read must have this digest (and the
     * {@code size}, when not negative), else the read throws {@link InvalidImageException} naming
     * {@code what}. A caller that stops early gets no check: read to the end.
     */
    public InputStream verifying(InputStream in, long size, String what) {
        MessageDigest md = messageDigest(algorithm);
        return new FilterInputStream(in) {
            private long count;
            private boolean checked;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    md.update(b, off, n);
                    count += n;
                    if (size >= 0 && count > size) {
                        throw new InvalidImageException(what + ": more than the " + size + " bytes its descriptor says");
                    }
                } else if (n < 0 && !checked) {
                    checked = true;
                    if (size >= 0 && count != size) {
                        throw new InvalidImageException(what + ": " + count + " bytes, its descriptor says " + size
                                + " (truncated?)");
                    }
                    String actual = HexFormat.of().formatHex(md.digest());
                    if (!actual.equals(hex)) {
                        throw new InvalidImageException(what + ": digest mismatch: expected " + Digest.this
                                + ", content is " + algorithm + ":" + actual);
                    }
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] buf = new byte[(int) Math.min(n, 8192)];
                int r = read(buf, 0, buf.length);
                return Math.max(r, 0);
            }
        };
    }

    /** The digest as a file name: the hex digits alone. */
    public String encoded() {
        return hex;
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has " + algorithm, e);
        }
    }
}
