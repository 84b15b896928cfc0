"""PAM's own "hey pam" wake word: data generation, training, ONNX export, evaluation, enrolment and the
second-stage check. The runtime detector lives in pam.listen.wakeword; this package builds and
measures the model it loads."""
