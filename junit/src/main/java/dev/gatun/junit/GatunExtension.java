package dev.gatun.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a {@link Gatun @Gatun} class's {@link GatunContainer @GatunContainer} fields: static ones before all
 * its tests, instance ones before each test. Each started container goes into the JUnit store of
 * its class or test, which closes it ({@link TestContainer#stop()}) when that class or test ends,
 * whether it passed or not.
 *
 * <p>Holds no state of its own: safe with JUnit's parallel execution (containers of concurrent
 * tests start concurrently, each guarded by its own lock).
 */
public final class GatunExtension implements BeforeAllCallback, BeforeEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GatunExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        startAll(context, context.getRequiredTestClass(), null);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            startAll(context, instance.getClass(), instance);
        }
    }

    /** Starts the static fields ({@code instance} null) or the instance fields of {@code type} and its superclasses. */
    private static void startAll(ExtensionContext context, Class<?> type, Object instance) throws Exception {
        for (Field f : fields(type, instance == null)) {
            f.setAccessible(true);
            Object value = f.get(instance);
            if (!(value instanceof TestContainer c)) {
                throw new ExtensionConfigurationException("@GatunContainer field " + type.getName() + "." + f.getName()
                        + " must hold a TestContainer, holds " + (value == null ? "null" : value.getClass().getName()));
            }
            // stored first: if start() throws, the store still closes what it may have left
            context.getStore(NAMESPACE).put(f.toGenericString() + "@" + System.identityHashCode(instance), (AutoCloseable) c::stop);
            c.start();
        }
    }

    private static List<Field> fields(Class<?> type, boolean statics) {
        List<Field> result = new ArrayList<>();
        for (Class<?> t = type; t != null && t != Object.class; t = t.getSuperclass()) {
            for (Field f : t.getDeclaredFields()) {
                if (f.isAnnotationPresent(GatunContainer.class) && Modifier.isStatic(f.getModifiers()) == statics) {
                    result.add(f);
                }
            }
        }
        return result;
    }

}
