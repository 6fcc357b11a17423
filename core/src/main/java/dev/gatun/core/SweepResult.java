package dev.gatun.core;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Gatun#sweep()} did.
 *
 * @param removed the cgroup directories (in every hierarchy) and state directories and files it
 *     removed, each directory after what was inside it
 * @param left what it found of a dead owner but could not remove, one line each naming the path
 *     and why (a later sweep tries again)
 */
public record SweepResult(List<Path> removed, List<String> left) {

    public SweepResult {
        removed = List.copyOf(removed);
        left = List.copyOf(left);
    }
}
