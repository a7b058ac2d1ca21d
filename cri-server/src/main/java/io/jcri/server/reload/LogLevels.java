package io.jcri.server.reload;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the log level of the running daemon. slf4j-simple, jcri's logging backend, fixes each logger's level
 * when the logger is made and offers no API to change it, so this sets its default level and every existing
 * logger's level through its (package-private) fields; loggers with a level of their own
 * ({@code org.slf4j.simpleLogger.log.NAME}) keep it.
 */
final class LogLevels {
    private static final Logger LOG = LoggerFactory.getLogger(LogLevels.class);

    private LogLevels() {
    }

    /** Sets {@code level} (trace, debug, info, warn, error) as the level of every logger; false if it cannot. */
    static boolean set(String level) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        try {
            Class<?> loggerClass = Class.forName("org.slf4j.simple.SimpleLogger");
            if (!factory.getClass().getName().equals("org.slf4j.simple.SimpleLoggerFactory")) {
                LOG.warn("the log level stays: the logging backend {} is not slf4j-simple",
                        factory.getClass().getName());
                return false;
            }
            Class<?> configClass = Class.forName("org.slf4j.simple.SimpleLoggerConfiguration");
            Method toLevel = accessible(configClass.getDeclaredMethod("stringToLevel", String.class));
            int value = (int) toLevel.invoke(null, level);
            Object config = accessible(loggerClass.getDeclaredField("CONFIG_PARAMS")).get(null);
            accessible(configClass.getDeclaredField("defaultLogLevel")).setInt(config, value);
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
            Field current = accessible(loggerClass.getDeclaredField("currentLogLevel"));
            Method own = accessible(loggerClass.getDeclaredMethod("recursivelyComputeLevelString"));
            Map<?, ?> loggers = (Map<?, ?>) accessible(factory.getClass().getDeclaredField("loggerMap")).get(factory);
            for (Object logger : loggers.values()) {
                String ownLevel = (String) own.invoke(logger);
                current.setInt(logger, ownLevel == null ? value : (int) toLevel.invoke(null, ownLevel));
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("the log level stays: this slf4j-simple version cannot be changed at run time: {}", e.toString());
            return false;
        }
    }

    private static <T extends java.lang.reflect.AccessibleObject> T accessible(T member) {
        member.setAccessible(true);
        return member;
    }
}
