package dev.gatun.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that runs against the real kernel: it needs root (unless
 * {@link #root()} is false) and whatever else {@link #requires()} names.
 *
 * <p>When a precondition is missing the test is <em>skipped with the reason</em> on a developer's
 * machine, and <em>fails</em> when the system property {@value Kernel#REQUIRE_PROPERTY} is
 * {@code true}. {@code .ci/run} sets it, so nothing is silently untested in CI.
 *
 * <p>Preconditions that can only be checked inside the test (a file that must exist, a controller
 * that must be mounted) go through {@link Kernel#require(boolean, String)}, which follows the same
 * rule.
 *
 * <p>Kernel tests carry the JUnit tag {@code kernel}, so {@code -Dgroups=kernel} or
 * {@code -DexcludedGroups=kernel} selects or leaves out the lane.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag("kernel")
@ExtendWith(KernelCondition.class)
public @interface KernelTest {

    /** Whether the test needs an effective uid of 0. Default {@code true}. */
    boolean root() default true;

    /** Further preconditions, checked before the test runs. Default: none. */
    Kernel.Feature[] requires() default {};
}
