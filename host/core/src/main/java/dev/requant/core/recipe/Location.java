package dev.requant.core.recipe;

/** A place in a recipe (or preset) file, or on the command line, that a message points to. */
public record Location(String source, int line, int column) {
    /** A value given on the command line rather than in a file. */
    public static Location commandLine(String option) {
        return new Location(option, 0, 0);
    }

    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
