package dev.gatun.cli;

/** A failure the command line reports as its one-line message and exit status 1, as runc does. */
final class CliException extends RuntimeException {

    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
