package io.jcri.server.streaming;

/** Which stdio streams a remote command uses, from the exec or attach request behind the token. */
record RemoteCommandOptions(boolean stdin, boolean stdout, boolean stderr, boolean tty) {

    RemoteCommandOptions {
        // A terminal merges stderr into stdout; clients do not open a stderr stream for it.
        stderr = stderr && !tty;
    }
}
