/** {@code gatun}: the runc-compatible OCI runtime command line. */
module dev.gatun.cli {
    requires dev.gatun.core;
    requires info.picocli;
    // sun.misc.Signal: gatun run forwards SIGTERM, SIGINT and SIGHUP to the container
    requires jdk.unsupported;

    opens dev.gatun.cli to info.picocli;
}
