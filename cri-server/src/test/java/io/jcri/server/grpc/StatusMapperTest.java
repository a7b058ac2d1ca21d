package io.jcri.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.jcri.cri.CriException;
import io.jcri.cri.ErrorKind;
import io.jcri.oci.OciException;
import org.junit.jupiter.api.Test;

class StatusMapperTest {
    @Test
    void everyKindMapsToTheStatusOfTheSameName() {
        for (ErrorKind k : ErrorKind.values()) {
            Status s = StatusMapper.toStatus(new CriException(k, "msg " + k));
            assertThat(s.getCode().name()).isEqualTo(k.name());
            assertThat(s.getDescription()).isEqualTo("msg " + k);
        }
    }

    @Test
    void runtimeFailuresAreInternalOrDeadline() {
        assertThat(StatusMapper.toStatus(new OciException("runc failed")).getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(StatusMapper.toStatus(new OciException("slow", true, null)).getCode())
                .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }

    @Test
    void unexpectedExceptionsAreInternalWithoutStack() {
        Status s = StatusMapper.toStatus(new NullPointerException("boom"));
        assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(s.getDescription()).isEqualTo("internal error: NullPointerException: boom");
        assertThat(StatusMapper.isServerFault(s)).isTrue();
        assertThat(StatusMapper.isServerFault(Status.NOT_FOUND)).isFalse();
    }

    @Test
    void anIllegalArgumentFromJcriItselfIsInternalNotTheCallersFault() {
        Status s = StatusMapper.toStatus(new IllegalArgumentException("not a sha256 digest: x"));
        assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(StatusMapper.isServerFault(s)).isTrue();
        assertThat(StatusMapper.toStatus(new NumberFormatException("For input string")).getCode())
                .isEqualTo(Status.Code.INTERNAL);
    }

    @Test
    void hugeDescriptionsAreCutToFitAHeader() {
        Status s = StatusMapper.toStatus(
                new CriException(ErrorKind.INVALID_ARGUMENT, "bad name " + "x".repeat(70_000)));
        assertThat(s.getDescription()).hasSizeLessThan(StatusMapper.MAX_DESCRIPTION + 40).startsWith("bad name xxx")
                .endsWith("(70009 characters)");
    }

    @Test
    void statusExceptionsPassThrough() {
        assertThat(StatusMapper.toStatus(Status.ABORTED.withDescription("x").asRuntimeException()).getCode())
                .isEqualTo(Status.Code.ABORTED);
    }
}
