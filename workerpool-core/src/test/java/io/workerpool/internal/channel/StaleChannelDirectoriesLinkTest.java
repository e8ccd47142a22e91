package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stale-directory sweep deletes relative to the directory it opened without following a link (issue 12,
 * finding 10): a link planted in the shared temp directory, in place of a stale directory or of one of its
 * entries, never makes the master delete what the link points at.
 */
class StaleChannelDirectoriesLinkTest {
    @TempDir
    Path tmp;
    @TempDir
    Path outside;

    @Test
    void aStaleDirectorySwappedForALinkToAVictimDirectoryLeavesTheVictimsFilesAlone() throws IOException {
        Path victim = Files.createDirectory(outside.resolve("victim"));
        Path precious = Files.writeString(victim.resolve("precious.txt"), "precious\n");
        Path planted = Files.createSymbolicLink(tmp.resolve("workerpool-123"), victim);

        StaleChannelDirectories.deleteFlat(tmp, planted);

        assertThat(Files.readString(precious)).isEqualTo("precious\n");
        assertThat(Files.isDirectory(victim, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void linksAmongAStaleDirectorysEntriesAreUnlinkedNotFollowed() throws IOException {
        Path victimDirectory = Files.createDirectory(outside.resolve("victim"));
        Path inVictimDirectory = Files.writeString(victimDirectory.resolve("precious.txt"), "precious\n");
        Path victimFile = Files.writeString(outside.resolve("victim.txt"), "precious\n");
        Path stale = Files.createDirectory(tmp.resolve("workerpool-456"));
        Files.writeString(stale.resolve("channel.sock"), "");
        Files.createSymbolicLink(stale.resolve("a-link-to-a-file"), victimFile);
        Files.createSymbolicLink(stale.resolve("a-link-to-a-directory"), victimDirectory);

        StaleChannelDirectories.deleteFlat(tmp, stale);

        assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).as("the stale directory, removed").isFalse();
        assertThat(Files.readString(victimFile)).isEqualTo("precious\n");
        assertThat(Files.readString(inVictimDirectory)).isEqualTo("precious\n");
    }
}
