namespace OpenWfp.Testing;

public static class TestingPlaceholder { }
