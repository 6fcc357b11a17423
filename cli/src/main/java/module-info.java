/** {@code gatun}: the runc-compatible OCI runtime command line. */
module dev.gatun.cli {
    requires dev.gatun.core;
    requires info.picocli;

    opens dev.gatun.cli to info.picocli;
}
