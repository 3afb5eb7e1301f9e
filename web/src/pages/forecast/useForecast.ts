// Loading the forecast of a project: the current months with their
// deadlines and the saved versions.

import { api, type ForecastCurrent, type ForecastVersion, type List } from '../../api';
import { useLoad } from '../../components/useLoad';

export function useForecast(projectId: number) {
  const current = useLoad(() => api.get<ForecastCurrent>(`/projects/${projectId}/forecast`), [projectId]);
  const versions = useLoad(() => api.get<List<ForecastVersion>>(`/projects/${projectId}/forecast/versions`), [projectId]);
  return { current, versions };
}

/** The month a view shows: the chosen one, else the current month. */
export function shownMonth(current: ForecastCurrent | null, chosen: string | null): string | null {
  return chosen ?? current?.today.slice(0, 7) ?? null;
}
