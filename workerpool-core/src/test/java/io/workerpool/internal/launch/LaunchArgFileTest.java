package io.workerpool.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link JavaArgFile} splits like the java launcher. Every expectation here was checked against
 * {@code java @file Echo} on JDK 25 (Echo printing its arguments and system properties).
 */
class LaunchArgFileTest {

    @Test
    void blanksOfAnyKindSeparateArguments() {
        assertThat(JavaArgFile.tokens("-cp a.jar\tapp.Main\fx\n\ny\r\nz\r"))
                .containsExactly("-cp", "a.jar", "app.Main", "x", "y", "z");
        assertThat(JavaArgFile.tokens("   ")).isEmpty();
        assertThat(JavaArgFile.tokens("last-without-newline")).containsExactly("last-without-newline");
    }

    @Test
    void quotesGroupAndGlueToUnquotedText() {
        assertThat(JavaArgFile.tokens("-Dx=\"a b\"c'd e' \"it's\" 'say \"hi\"' \"x\"y\"z w\""))
                .containsExactly("-Dx=a bcd e", "it's", "say \"hi\"", "xyz w");
    }

    @Test
    void backslashEscapesOnlyInsideQuotes() {
        assertThat(JavaArgFile.tokens("\"a\\nb\\\\c\\\"d\\t\\q\" C:\\dir"))
                .containsExactly("a\nb\\c\"d\tq", "C:\\dir");
    }

    @Test
    void backslashAtALineEndInsideQuotesContinuesAfterTheNextLinesLeadingBlanks() {
        assertThat(JavaArgFile.tokens("-Dy=\"tab\\there\\\n    continued\" -cp cls"))
                .containsExactly("-Dy=tab\therecontinued", "-cp", "cls");
    }

    @Test
    void aLineEndClosesAnOpenQuote() {
        assertThat(JavaArgFile.tokens("\"open\nnext")).containsExactly("open", "next");
        assertThat(JavaArgFile.tokens("\"-Dx=unterminated")).containsExactly("-Dx=unterminated");
    }

    @Test
    void hashStartsACommentToTheEndOfTheLine() {
        assertThat(JavaArgFile.tokens("# comment\n  -Dx=1 # trailing\n-cp cls Echo \"#quoted\""))
                .containsExactly("-Dx=1", "-cp", "cls", "Echo", "#quoted");
    }

    @Test
    void hashInsideAnArgumentDropsItsUnquotedTextLikeTheLauncherDoes() {
        assertThat(JavaArgFile.tokens("-Dx=foo#bar -Dy=1")).isEmpty();
        assertThat(JavaArgFile.tokens("\"a\"b#c\nd")).containsExactly("ad");
    }

    @Test
    void emptyQuotedArgumentsCountExceptAtTheVeryEnd() {
        assertThat(JavaArgFile.tokens("'' x")).containsExactly("", "x");
        assertThat(JavaArgFile.tokens("-Dx='' Echo ''")).containsExactly("-Dx=", "Echo");
        assertThat(JavaArgFile.tokens("Echo ''\n")).containsExactly("Echo", "");
    }

    @Test
    void argfileNamesInsideAnArgfileArePlainArguments() {
        assertThat(JavaArgFile.tokens("-cp cls @inner @@twice Echo"))
                .containsExactly("-cp", "cls", "@inner", "@@twice", "Echo");
    }
}
