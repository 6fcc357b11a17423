package dev.gatun.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link TestContainer} field of a {@link Gatun @Gatun} test class as managed: static
 * fields live for the class, instance fields for each test, as Testcontainers' {@code @Container}.
 * Not named {@code @Container}: that name is {@link dev.gatun.core.Container}'s, which a test of
 * this module often imports too.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
public @interface GatunContainer {}
