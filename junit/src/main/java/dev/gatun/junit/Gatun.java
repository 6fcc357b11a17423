package dev.gatun.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registers {@link GatunExtension} on a test class: its {@link GatunContainer @GatunContainer} fields of type
 * {@link TestContainer} are started and stopped for it. A static field is started once before
 * all the class's tests and stopped after them; an instance field is started before each test and
 * stopped after it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(GatunExtension.class)
public @interface Gatun {}
