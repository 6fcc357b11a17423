package dev.gatun.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link GatunContainer} field of a {@link Gatun @Gatun} test class as managed: static
 * fields live for the class, instance fields for each test. Named as Testcontainers' annotation so
 * that a migrated test changes its imports, not its fields; where {@code dev.gatun.core.Container}
 * is imported too, write {@code @dev.gatun.junit.Container}.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
public @interface Container {}
