package io.jcri.server.reload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogLevelsTest {
    @AfterEach
    void restore() {
        LogLevels.set("info");
    }

    @Test
    void existingAndNewLoggersTakeTheNewLevel() {
        Logger existing = LoggerFactory.getLogger("io.jcri.test.existing");
        assertThat(LogLevels.set("debug")).isTrue();
        assertThat(existing.isDebugEnabled()).isTrue();
        assertThat(LoggerFactory.getLogger("io.jcri.test.created.after").isDebugEnabled()).isTrue();
        assertThat(LogLevels.set("warn")).isTrue();
        assertThat(existing.isInfoEnabled()).isFalse();
        assertThat(existing.isWarnEnabled()).isTrue();
    }

    @Test
    void aLoggerWithALevelOfItsOwnKeepsIt() {
        System.setProperty("org.slf4j.simpleLogger.log.io.jcri.test.own", "error");
        try {
            Logger own = LoggerFactory.getLogger("io.jcri.test.own.child");
            assertThat(LogLevels.set("trace")).isTrue();
            assertThat(own.isWarnEnabled()).isFalse();
            assertThat(own.isErrorEnabled()).isTrue();
        } finally {
            System.clearProperty("org.slf4j.simpleLogger.log.io.jcri.test.own");
        }
    }
}
