// Films (issue 14): once the poster link has loaded the film into its frame, hide the poster over it.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a.video-poster") : null;
  if (link) { link.hidden = true; }
});
