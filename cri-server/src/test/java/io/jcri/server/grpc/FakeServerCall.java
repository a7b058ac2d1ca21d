package io.jcri.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server call whose transport is ready for more or not, as the test says, recording what it is sent. */
final class FakeServerCall<T> extends ServerCallStreamObserver<T> {
    final List<T> sent = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> error = new CompletableFuture<>();
    final CompletableFuture<Void> completed = new CompletableFuture<>();
    private volatile boolean ready;
    private volatile boolean cancelled;
    private volatile Runnable onCancel = () -> { };
    private volatile Runnable onReady = () -> { };

    FakeServerCall(boolean ready) {
        this.ready = ready;
    }

    void cancel() {
        cancelled = true;
        onCancel.run();
    }

    void becomeReady() {
        ready = true;
        onReady.run();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
        onCancel = handler;
    }

    @Override
    public void setCompression(String compression) {
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
        onReady = handler;
    }

    @Override
    public void disableAutoInboundFlowControl() {
    }

    @Override
    public void request(int count) {
    }

    @Override
    public void setMessageCompression(boolean enable) {
    }

    @Override
    public void onNext(T value) {
        sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
        error.complete(t);
    }

    @Override
    public void onCompleted() {
        completed.complete(null);
    }
}
