package dk.mitid.app

import android.app.Activity
import android.os.Bundle
import android.widget.TextView
import dk.mitid.core.coreVersion

/** Placeholder: proves the app loads the Rust core. */
class MainActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(TextView(this).apply { text = "MitID core ${coreVersion()}" })
    }
}
