package io.multisite.routing;

/** A routing change that the state machine does not allow; the table is left unchanged. */
public class IllegalTransitionException extends IllegalStateException {

    IllegalTransitionException(String message) {
        super(message);
    }
}
