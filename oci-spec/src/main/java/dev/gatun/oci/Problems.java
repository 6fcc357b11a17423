package dev.gatun.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Collects validation errors and holds the checks every section shares. Not thread-safe. */
final class Problems {

    static final long UINT32_MAX = 0xFFFF_FFFFL;

    /** Beyond this many, problems are counted, not kept: a hostile document could hold millions. */
    static final int MAX_REPORTED = 1000;

    private final List<ValidationError> errors = new ArrayList<>();
    private int dropped;

    void add(String path, String message) {
        if (errors.size() < MAX_REPORTED) {
            errors.add(new ValidationError(path, message));
        } else {
            dropped++;
        }
    }

    List<ValidationError> result() {
        if (dropped > 0) {
            List<ValidationError> all = new ArrayList<>(errors);
            all.add(new ValidationError("$", dropped + " more problems were found and not listed"));
            return List.copyOf(all);
        }
        return List.copyOf(errors);
    }

    /** Reports a missing required value; returns whether it is present. */
    boolean required(String path, Object value) {
        if (value == null) {
            add(path, "is required");
            return false;
        }
        return true;
    }

    void absolute(String path, String value) {
        if (value != null && !value.startsWith("/")) {
            add(path, "must be an absolute path, got \"" + value + "\"");
        }
    }

    void nonEmpty(String path, String value) {
        if (value != null && value.isEmpty()) {
            add(path, "must not be empty");
        }
    }

    /** A string with a NUL cannot reach the kernel intact: C strings end there (and Java's Path refuses it). */
    void noNul(String path, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            add(path, "contains a NUL character, which no C string (path, name, argument) can hold");
        }
    }

    void eachNoNul(String path, List<String> values) {
        if (values != null) {
            for (int i = 0; i < values.size(); i++) {
                noNul(Paths.index(path, i), values.get(i));
            }
        }
    }

    void uint32(String path, Long value) {
        range(path, value, 0, UINT32_MAX);
    }

    void range(String path, Number value, long min, long max) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            add(path, value + " is out of range: must be " + min + " to " + max);
        }
    }

    void oneOf(String path, String value, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(path, "\"" + value + "\" is not one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
    }

    void eachOneOf(String path, List<String> values, Set<String> allowed) {
        if (values != null) {
            for (int i = 0; i < values.size(); i++) {
                oneOf(Paths.index(path, i), values.get(i), allowed);
            }
        }
    }

    /** Checks {@code KEY=value} entries of an environment. */
    void env(String path, List<String> env) {
        if (env == null) {
            return;
        }
        for (int i = 0; i < env.size(); i++) {
            String e = env.get(i);
            int eq = e.indexOf('=');
            if (eq <= 0) {
                add(Paths.index(path, i), "\"" + e + "\" is not a KEY=value environment entry");
            } else if (e.indexOf('\0') >= 0) {
                add(Paths.index(path, i), "contains a NUL character, which execve(2) cannot pass");
            }
        }
    }

    /** Checks a cpu or node list such as {@code 0-3,7}; empty means none. */
    void cpuList(String path, String list) {
        if (list == null || list.isEmpty()) {
            return;
        }
        for (String part : list.split(",", -1)) {
            String p = part.strip();
            String[] ends = p.split("-", -1);
            boolean ok = ends.length <= 2;
            long previous = -1;
            for (String end : ends) {
                if (!ok || end.isEmpty() || end.length() > 9 || !end.chars().allMatch(Character::isDigit)) {
                    ok = false;
                    break;
                }
                long n = Long.parseLong(end);
                ok = n >= previous;
                previous = n;
            }
            if (!ok) {
                add(path, "\"" + list + "\" is not a list like \"0-3,7\" (\"" + part + "\" is not a number or an ascending range)");
                return;
            }
        }
    }
}
