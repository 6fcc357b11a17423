package dev.gatun.core.security;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of one JSON value (RFC 8259) into plain maps, lists, strings, numbers and
 * booleans, for {@link ContainersSeccompProfile}: objects become {@link LinkedHashMap}s (a repeated
 * key keeps its last value), arrays {@link ArrayList}s, integers {@link BigInteger}s, other
 * numbers {@link BigDecimal}s, {@code null} null.
 *
 * <p>Why not Jackson's streaming parser, which read the profile before: the bundled profile is
 * read on a fresh JVM's first container, and Jackson's parser classes (with the class
 * initialization of its number handling) cost that container tens of milliseconds and the
 * JIT a compilation burst; this reader is the few classes of the JDK it already uses. Nesting is
 * limited to {@value #MAX_DEPTH} levels, so that a hostile profile cannot exhaust the stack.
 * Not thread-safe; one instance reads one text.
 */
final class ProfileJson {

    static final int MAX_DEPTH = 256;

    private final String text;
    private int pos;
    private int depth;

    private ProfileJson(String text) {
        this.text = text;
    }

    /**
     * The value {@code text} holds; null for a text that is empty or only whitespace (or {@code null}).
     *
     * @throws IllegalArgumentException for anything but exactly one JSON value, naming the offset
     */
    static Object read(String text) {
        ProfileJson r = new ProfileJson(text);
        r.skipSpace();
        if (r.pos == text.length()) {
            return null;
        }
        Object value = r.value();
        r.skipSpace();
        if (r.pos != text.length()) {
            throw new IllegalArgumentException("seccomp profile has content after its JSON value (offset " + r.pos + ")");
        }
        return value;
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object() {
        enter();
        pos++; // {
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a property name");
            }
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            map.put(key, value());
            skipSpace();
            char c = next("',' or '}'");
            if (c == '}') {
                depth--;
                return map;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array() {
        enter();
        pos++; // [
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipSpace();
            list.add(value());
            skipSpace();
            char c = next("',' or ']'");
            if (c == ']') {
                depth--;
                return list;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        pos++; // "
        StringBuilder out = null;
        int start = pos;
        while (true) {
            char c = next("'\"'");
            if (c == '"') {
                return out == null ? text.substring(start, pos - 1) : out.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character in a string");
            }
            if (c == '\\') {
                if (out == null) {
                    out = new StringBuilder().append(text, start, pos - 1);
                }
                char e = next("an escape");
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error("unexpected end of input in a \\u escape");
                        }
                        int code = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(text.charAt(pos++), 16);
                            if (d < 0) {
                                pos--;
                                throw error("bad \\u escape");
                            }
                            code = code * 16 + d;
                        }
                        out.append((char) code);
                    }
                    default -> {
                        pos--;
                        throw error("bad escape '\\" + e + "'");
                    }
                }
            } else if (out != null) {
                out.append(c);
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (!digits()) {
            throw error("expected a digit");
        }
        boolean integer = true;
        if (peek() == '.') {
            pos++;
            integer = false;
            if (!digits()) {
                throw error("expected a digit after '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integer = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                throw error("expected a digit in the exponent");
            }
        }
        String literal = text.substring(start, pos);
        return integer ? new BigInteger(literal) : new BigDecimal(literal);
    }

    private boolean digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos > start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected character '" + text.charAt(pos) + "'");
        }
        pos += word.length();
        return value;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** The character at the position, or 0 at the end. */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private char next(String expected) {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected " + expected);
        }
        return text.charAt(pos++);
    }

    private void expect(char c) {
        if (next("'" + c + "'") != c) {
            pos--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("seccomp profile is not valid JSON: " + what + " at offset " + pos);
    }
}
