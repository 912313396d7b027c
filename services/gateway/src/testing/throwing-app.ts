/** A custom routes' module that fails while it is imported, as one with a broken dependency does. */
throw new Error("the app's database is not configured");
