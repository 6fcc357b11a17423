package dev.gatun.namespaces;

/**
 * A namespace configuration that cannot work: a bad value, a contradiction between settings, or an
 * ID range the caller does not own. The message names the setting, the value and what to do.
 *
 * <p>Thrown by constructors and builders at the moment the bad value is given or the plan is
 * built, never later during a spawn.
 */
public class NamespaceConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The setting, e.g. {@code linux.namespaces[2].type} or {@code uidMappings[1]}. */
    private final String setting;

    /** The offending value as text. */
    private final String value;

    /**
     * @param setting the setting or JSON path, e.g. {@code uidMappings[1]}
     * @param value the offending value as text
     * @param problem what is wrong and, where it helps, how to fix it
     */
    public NamespaceConfigException(String setting, String value, String problem) {
        super(setting + " = " + value + ": " + problem);
        this.setting = setting;
        this.value = value;
    }

    /** The setting or JSON path, e.g. {@code linux.namespaces[2].type}. */
    public String setting() {
        return setting;
    }

    /** The offending value as text. */
    public String value() {
        return value;
    }
}
