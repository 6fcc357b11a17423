/**
 * The OCI runtime-spec models: config.json, state.json and features.json, their Jackson mapping
 * and their validation. Pure Java plus Jackson; knows nothing of the rest of Gatun.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/spec.md">OCI runtime-spec 1.3.0</a>
 */
module dev.gatun.oci {
    requires transitive tools.jackson.databind;

    exports dev.gatun.oci;
    // Jackson reads and writes the records reflectively.
    opens dev.gatun.oci to tools.jackson.databind;
}
